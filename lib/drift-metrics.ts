/**
 * The drift check's metrics, named once for the check that emits them (Embedded Metric Format) and the
 * construct whose `metric...()` methods read them. No `aws-cdk-lib` here: it is bundled into the handler.
 */
export const DRIFT_METRICS = {
  namespace: 'ConnectUserIdentity',
  /** The `service` dimension. */
  service: 'DriftCheck',
  checked: 'UsersChecked',
  read: 'UsersRead',
  drifted: 'UsersDrifted',
  corrected: 'UsersCorrected',
  failed: 'UsersFailed',
  notChecked: 'UsersNotChecked',
  /** Users Connect does not know, of a roster that skips them (`skipUsersNotInConnect`). */
  notInConnect: 'UsersNotInConnect',
  /** Seconds between Connect's present and the oldest moment up to which every edit has been seen. */
  coverageLag: 'CoverageLagSeconds',
} as const;
