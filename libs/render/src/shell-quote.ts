/**
 * Quotes a string for a POSIX shell: the result is one word whose value is exactly `value`, whatever it
 * contains (quotes, `$(...)`, backticks, `;`, newlines). Single quotes disable every expansion; an embedded
 * single quote becomes `'\''`.
 * @throws RangeError if `value` contains a NUL byte, which no shell variable can hold
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new RangeError("a shell word cannot contain a NUL byte");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
