export { sleep } from "@orchestrator/contracts";
