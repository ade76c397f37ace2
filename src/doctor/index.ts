// Public API of the doctor domain.
export { type CheckResult, type CheckStatus, type DoctorOptions, runDoctor } from "./checks.js";
