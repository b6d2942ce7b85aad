package io.nuri.store;

/** The store could not be read or written (disk, corrupt file, newer schema). */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
