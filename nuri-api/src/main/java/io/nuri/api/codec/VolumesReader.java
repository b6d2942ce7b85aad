package io.nuri.api.codec;

import io.nuri.api.spec.VolumeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code spec.volumes}: unique names, each with a unique environment variable. */
final class VolumesReader {
    static final List<String> FIELDS = List.of("name", "env");

    private VolumesReader() {}

    /** @param env the app's {@code spec.env}, which a volume's variable must not repeat */
    static List<VolumeSpec> read(List<NodeReader> elements, Map<String, String> env) {
        List<VolumeSpec> out = new ArrayList<>();
        Map<String, String> nameAt = new LinkedHashMap<>();
        Map<String, String> envAt = new LinkedHashMap<>();
        for (NodeReader v : elements) {
            String name = v.requiredString("name");
            boolean nameOk = Fields.checkName(v, "name", name);
            String var = v.string("env");
            if (var != null) {
                String problem = EnvReader.nameProblem(var, true);
                if (problem != null) {
                    v.error("env", problem);
                    var = null;
                }
            }
            if (!nameOk) {
                continue;
            }
            String where = Fields.place(v);
            String otherName = nameAt.putIfAbsent(name, where);
            if (otherName != null) {
                v.error("name", "duplicate volume name " + Json.write(name) + " (also at " + otherName + ")");
                continue;
            }
            VolumeSpec volume = new VolumeSpec(name, var);
            String otherEnv = envAt.putIfAbsent(volume.envVar(), where);
            if (otherEnv != null) {
                v.error("env", "duplicate volume env " + Json.write(volume.envVar()) + " (also at " + otherEnv + ")");
            } else if (env.containsKey(volume.envVar())) {
                v.error("env", Json.write(volume.envVar()) + " is also set in spec.env");
            }
            out.add(volume);
        }
        return out;
    }
}
