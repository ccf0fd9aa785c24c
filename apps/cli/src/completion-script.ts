import type { Command, Option } from "commander";

/**
 * Shell completion generated from the command tree itself, so it never drifts from the flags.
 * zsh uses the same function through bashcompinit.
 */
export function completionScript(program: Command, shell: "bash" | "zsh"): string {
  const words: string[] = [];
  const choices = new Map<string, readonly string[]>();
  const dirFlags = new Set<string>();
  const visit = (command: Command, path: string) => {
    const subcommands = command.commands.map((c) => c.name());
    // program options (--api-url, --output) are accepted after any subcommand too
    const options = [...command.options, ...(command === program ? [] : program.options)]
      .filter((o) => !o.hidden)
      .flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
    words.push(`    ${quote(path)}) echo ${quote([...subcommands, ...options, "--help"].join(" "))} ;;`);
    for (const option of command.options as Option[]) {
      const flags = [option.long, option.short].filter((f): f is string => Boolean(f));
      if (option.argChoices) for (const f of flags) choices.set(f, option.argChoices);
      if (/dir|out|templates/.test(option.long ?? "") && option.required)
        for (const f of flags) dirFlags.add(f);
    }
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
  const subcommandCases: string[] = [];
  const collect = (command: Command, path: string) => {
    subcommandCases.push(
      `    ${quote(path)}) echo ${quote(command.commands.map((c) => c.name()).join(" "))} ;;`,
    );
    for (const sub of command.commands) collect(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  collect(program, "");
  const choiceCases = [...choices].map(
    ([flag, values]) =>
      `    ${flag}) COMPREPLY=($(compgen -W ${quote(values.join(" "))} -- "$cur")); return ;;`,
  );
  const dirCase =
    dirFlags.size > 0
      ? [`    ${[...dirFlags].join("|")}) COMPREPLY=($(compgen -d -- "$cur")); return ;;`]
      : [];
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const body = `# ${name} shell completion (${shell}). Install:
#   ${shell === "bash" ? `${name} completion bash > ~/.local/share/bash-completion/completions/${name}` : `${name} completion zsh > "\${fpath[1]}/_${name}"  # or: source <(${name} completion zsh)`}
${shell === "zsh" ? "autoload -U +X bashcompinit && bashcompinit\n" : ""}${fn}_subcommands() {
  case "$1" in
${subcommandCases.join("\n")}
  esac
}
${fn}_words() {
  case "$1" in
${words.join("\n")}
  esac
}
${fn}() {
  local cur prev path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${[...choiceCases, ...dirCase].join("\n")}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    [[ " $(${fn}_subcommands "$path") " == *" $w "* ]] && path="\${path:+$path }$w"
  done
  COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur"))
}
complete -F ${fn} ${name}
`;
  return body;
}

function quote(text: string): string {
  return `"${text.replace(/(["\\$`])/g, "\\$1")}"`;
}
