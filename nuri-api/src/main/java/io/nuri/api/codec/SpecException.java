package io.nuri.api.codec;

import java.util.List;
import java.util.stream.Collectors;

/** A spec was rejected; carries every error found, not just the first. */
public final class SpecException extends Exception {
    private final List<SpecError> errors;

    public SpecException(List<SpecError> errors) {
        super(errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }
}
