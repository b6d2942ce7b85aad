package io.nuri.api.spec;

/**
 * What happens when an instance's process exits. {@code Always} (default) restarts it in place
 * with exponential backoff; {@code OnFailure} only when the exit code is not 0 (an instance that
 * exits 0 is Succeeded and not replaced); {@code Never} leaves it Failed or Succeeded.
 */
public enum RestartPolicy {
    Always,
    OnFailure,
    Never
}
