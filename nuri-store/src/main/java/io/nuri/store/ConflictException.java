package io.nuri.store;

/** An update named a version that is no longer current, or a create hit an existing object. */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
