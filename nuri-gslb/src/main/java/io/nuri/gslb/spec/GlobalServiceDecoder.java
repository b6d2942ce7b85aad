package io.nuri.gslb.spec;

import static io.nuri.api.codec.NodeReader.between;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.NodeReader;
import io.nuri.api.codec.NodeReader.Problems;
import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.codec.SpecException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.xbill.DNS.Address;

/**
 * Reads {@code kind: GlobalService} documents with the same rules and error format as Apps: every
 * problem at once, each with the file, the field path and what is wrong; unknown fields rejected.
 */
public final class GlobalServiceDecoder {
    public static final String API_VERSION = "nuri.io/v1";
    public static final String KIND = "GlobalService";

    private static final List<String> DOC_FIELDS = List.of("apiVersion", "kind", "metadata", "spec");
    private static final List<String> METADATA_FIELDS = List.of("name", "labels");
    private static final List<String> SPEC_FIELDS = List.of("hostnames", "zone", "ttlSeconds", "policy", "sites");
    private static final List<String> SITE_FIELDS = List.of("name", "address", "port", "weight", "healthCheck", "subnets");
    private static final List<String> CHECK_FIELDS = List.of("path", "host", "intervalSeconds", "timeoutMillis",
            "unhealthyThreshold", "healthyThreshold");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?");

    private GlobalServiceDecoder() {}

    /**
     * @param fileName the name used in errors; null or blank means "request body"
     * @return one service per non-empty document
     * @throws SpecException with every problem found
     */
    public static List<GlobalService> decode(String fileName, String text) throws SpecException {
        Problems problems = new Problems(fileName == null || fileName.isBlank() ? "request body" : fileName);
        List<JsonNode> docs = SpecDecoder.documents(problems, text);
        List<GlobalService> services = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> hosts = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            String docPath = SpecDecoder.docPath(i + 1);
            int before = problems.size();
            GlobalService service = service(NodeReader.document(problems, docPath, doc, DOC_FIELDS));
            if (service == null || problems.size() > before) {
                continue;
            }
            Integer first = names.putIfAbsent(service.name(), i + 1);
            if (first != null) {
                problems.add(SpecDecoder.join(docPath, "metadata.name"),
                        "GlobalService \"" + service.name() + "\" is already defined in document " + first);
            }
            for (int h = 0; h < service.hostnames().size(); h++) {
                Integer other = hosts.putIfAbsent(service.hostnames().get(h), i + 1);
                if (other != null) {
                    problems.add(SpecDecoder.join(docPath, "spec.hostnames[" + h + "]"),
                            "hostname " + service.hostnames().get(h) + " is already served by document " + other);
                }
            }
            services.add(service);
        }
        if (problems.isEmpty() && services.isEmpty()) {
            problems.add("", "no GlobalService in the file (it is empty or only has comments)");
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems.errors());
        }
        return List.copyOf(services);
    }

    private static GlobalService service(NodeReader doc) {
        if (doc == null) {
            return null;
        }
        String apiVersion = doc.requiredString("apiVersion");
        if (apiVersion != null && !API_VERSION.equals(apiVersion)) {
            doc.error("apiVersion", "must be " + API_VERSION + ", got \"" + apiVersion + "\"");
        }
        String kind = doc.requiredString("kind");
        if (kind != null && !KIND.equals(kind)) {
            doc.error("kind", "must be " + KIND + ", got \"" + kind + "\"");
        }
        NodeReader metadata = doc.objectOrEmpty("metadata", METADATA_FIELDS);
        String name = metadata == null ? null : metadata.requiredString("name");
        if (name != null && !LABEL.matcher(name).matches()) {
            metadata.error("name", "must be a DNS label (lower-case letters, digits and '-', at most 63), got \"" + name + "\"");
        }
        if (metadata != null) {
            metadata.stringMap("labels", (k, v) -> null);
        }
        NodeReader spec = doc.objectOrEmpty("spec", SPEC_FIELDS);
        if (spec == null) {
            return null;
        }
        List<String> hostnames = hostnames(spec);
        String zone = zone(spec, hostnames);
        int ttl = spec.integer("ttlSeconds", 30, between(0, 86_400));
        String policyName = spec.string("policy");
        Policy policy = Policy.WEIGHTED;
        if (policyName != null) {
            policy = Policy.fromSpec(policyName).orElse(null);
            if (policy == null) {
                spec.error("policy", "must be one of weighted, failover, roundRobin, topology, got \"" + policyName + "\"");
                policy = Policy.WEIGHTED;
            }
        }
        List<Site> sites = sites(spec, policy, hostnames);
        return new GlobalService(name, hostnames, zone, ttl, policy, sites);
    }

    private static List<String> hostnames(NodeReader spec) {
        if (!spec.has("hostnames")) {
            spec.error("hostnames", "required (the names this service answers for, e.g. [portal.egov.test])");
            return List.of();
        }
        List<String> raw = spec.strings("hostnames");
        if (raw == null) {
            return List.of();
        }
        if (raw.isEmpty()) {
            spec.error("hostnames", "must list at least one name");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String h = normalize(raw.get(i));
            String problem = dnsNameProblem(h);
            if (problem != null) {
                spec.error("hostnames", i, problem + ", got \"" + raw.get(i) + "\"");
            } else if (out.contains(h)) {
                spec.error("hostnames", i, "listed twice: " + h);
            } else {
                out.add(h);
            }
        }
        return out;
    }

    private static String zone(NodeReader spec, List<String> hostnames) {
        String given = spec.string("zone");
        if (given == null) {
            if (hostnames.isEmpty()) {
                return null;
            }
            String first = hostnames.get(0);
            int dot = first.indexOf('.');
            return dot < 0 ? first : first.substring(dot + 1);
        }
        String zone = normalize(given);
        String problem = dnsNameProblem(zone);
        if (problem != null) {
            spec.error("zone", problem + ", got \"" + given + "\"");
            return null;
        }
        for (String h : hostnames) {
            if (!h.equals(zone) && !h.endsWith("." + zone)) {
                spec.error("zone", "every hostname must be in the zone: " + h + " is not in " + zone);
            }
        }
        return zone;
    }

    private static List<Site> sites(NodeReader spec, Policy policy, List<String> hostnames) {
        if (!spec.has("sites")) {
            spec.error("sites", "required (at least one site: name, address, port)");
            return List.of();
        }
        List<NodeReader> readers = spec.objects("sites", SITE_FIELDS);
        if (readers.isEmpty() && spec.raw("sites").isArray()) {
            spec.error("sites", "must list at least one site");
        }
        List<Site> sites = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int totalWeight = 0;
        for (NodeReader s : readers) {
            String name = s.requiredString("name");
            if (name != null && !LABEL.matcher(name).matches()) {
                s.error("name", "must be a DNS label (lower-case letters, digits and '-'), got \"" + name + "\"");
            } else if (name != null && !names.add(name)) {
                s.error("name", "another site is already named " + name);
            }
            String address = s.requiredString("address");
            if (address != null && Address.toByteArray(address, Address.IPv4) == null
                    && Address.toByteArray(address, Address.IPv6) == null) {
                s.error("address", "must be an IPv4 or IPv6 address (DNS answers carry addresses), got \"" + address + "\"");
            }
            int port = s.integer("port", 0, between(1, 65_535));
            if (!s.has("port")) {
                s.error("port", "required (the port of the site's gateway)");
            }
            int weight = s.integer("weight", 1, between(0, 1000));
            totalWeight += weight;
            HealthCheck check = healthCheck(s, hostnames);
            List<String> subnets = s.strings("subnets");
            if (subnets != null) {
                for (int i = 0; i < subnets.size(); i++) {
                    if (Subnet.parse(subnets.get(i)) == null) {
                        s.error("subnets", i, "must be a network in CIDR form like 10.0.0.0/8, got \"" + subnets.get(i) + "\"");
                    }
                }
            }
            sites.add(new Site(name, address, port, weight, check, subnets == null ? List.of() : subnets));
        }
        if (!readers.isEmpty() && totalWeight == 0 && (policy == Policy.WEIGHTED || policy == Policy.TOPOLOGY)) {
            spec.error("sites", "at least one site needs a weight above 0 under the " + policy.specName() + " policy");
        }
        return sites;
    }

    private static HealthCheck healthCheck(NodeReader site, List<String> hostnames) {
        NodeReader c = site.object("healthCheck", CHECK_FIELDS);
        HealthCheck d = HealthCheck.DEFAULT;
        if (c == null) {
            return d;
        }
        String path = c.string("path");
        if (path != null && !path.startsWith("/")) {
            c.error("path", "must start with '/', got \"" + path + "\"");
        }
        String host = c.string("host");
        return new HealthCheck(path == null ? d.path() : path, host,
                c.integer("intervalSeconds", d.intervalSeconds(), between(1, 300)),
                c.integer("timeoutMillis", d.timeoutMillis(), between(50, 60_000)),
                c.integer("unhealthyThreshold", d.unhealthyThreshold(), between(1, 10)),
                c.integer("healthyThreshold", d.healthyThreshold(), between(1, 10)));
    }

    private static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static String dnsNameProblem(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return "must be a DNS name of 1 to 253 characters";
        }
        for (String label : name.split("\\.", -1)) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return "must be a DNS name (labels of letters, digits and '-', dot separated)";
            }
        }
        return null;
    }
}
