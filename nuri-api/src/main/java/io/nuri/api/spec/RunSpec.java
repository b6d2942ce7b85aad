package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How to start one instance: exactly one of {@code jar} (run with the platform's JDK) or
 * {@code command} (argv, first element the program). Paths are absolute once decoded: the
 * decoder resolves relative ones against the folder of the spec file.
 *
 * <p>{@code isGetterVisibility = NONE}: without it Jackson takes {@link #isJar()} for the
 * {@code jar} property and writes {@code jar: true} instead of the path.
 */
@JsonAutoDetect(isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RunSpec(String jar, List<String> command, List<String> args, List<String> javaOpts, String workingDir) {
    public RunSpec {
        command = command == null ? List.of() : List.copyOf(command);
        args = args == null ? List.of() : List.copyOf(args);
        javaOpts = javaOpts == null ? List.of() : List.copyOf(javaOpts);
    }

    public boolean isJar() {
        return jar != null;
    }
}
