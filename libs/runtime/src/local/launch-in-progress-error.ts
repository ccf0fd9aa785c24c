/** Another dispatch of the same run is starting its local process right now (transient: try again). */
export class LaunchInProgressError extends Error {
  override readonly name = "LaunchInProgressError";
}
