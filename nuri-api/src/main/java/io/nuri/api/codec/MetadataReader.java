package io.nuri.api.codec;

import io.nuri.api.spec.ObjectMeta;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads {@code metadata}: the app's name, namespace and labels. */
final class MetadataReader {
    static final List<String> FIELDS = List.of("name", "namespace", "labels");

    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final String LABEL_RULE =
            "must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    private MetadataReader() {}

    static ObjectMeta read(NodeReader r) {
        if (r == null) {
            return null;
        }
        String name = r.requiredString("name");
        Fields.checkName(r, "name", name);
        String namespace = r.string("namespace");
        Fields.checkName(r, "namespace", namespace);
        Map<String, String> labels = r.stringMap("labels", MetadataReader::labelProblem);
        return new ObjectMeta(name, namespace == null ? ObjectMeta.DEFAULT_NAMESPACE : namespace, labels);
    }

    /**
     * Kubernetes label syntax. Key: optional DNS subdomain prefix and '/', then a name of up to
     * 63 letters, digits, '-', '_', '.'; value: empty or such a name.
     */
    private static String labelProblem(String key, String value) {
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (prefix != null
                && (prefix.isEmpty() || prefix.length() > 253 || !Fields.DNS_SUBDOMAIN.matcher(prefix).matches())) {
            return "invalid label key: the prefix before '/' must be a DNS subdomain (lowercase letters, digits, '-' and '.')";
        }
        if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
            return "invalid label key: the name " + LABEL_RULE;
        }
        if (!value.isEmpty() && (value.length() > 63 || !LABEL_NAME.matcher(value).matches())) {
            return "invalid label value: " + LABEL_RULE + ", got " + Json.write(value);
        }
        return null;
    }
}
