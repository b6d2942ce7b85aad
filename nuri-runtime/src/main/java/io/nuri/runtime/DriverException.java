package io.nuri.runtime;

/** An instance could not be started; the message says why in words fit for an event. */
public final class DriverException extends Exception {
    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }

    public DriverException(String message) {
        super(message);
    }
}
