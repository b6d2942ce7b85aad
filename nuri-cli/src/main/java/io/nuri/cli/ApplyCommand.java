package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nuri apply -f FILE}: sends each file's text as it is to {@code POST /api/v1/apply}; the
 * server decodes, validates and resolves relative paths against {@code baseDir}. Every file is read
 * before anything is sent, so a missing file applies nothing.
 */
@Command(name = "apply", description = "Create or update apps and alert rules from spec files (YAML or JSON).")
final class ApplyCommand extends CliCommand {
    static final String STDIN_NAME = "<stdin>";

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
            description = "Spec file, a directory (its *.yaml, *.yml and *.json files, sorted), or - for stdin. Repeatable.")
    List<String> files;

    @Option(names = "--dry-run", description = "Validate and show what would change; store nothing.")
    boolean dryRun;

    /** One document source: the name as the user typed it (for errors) and its absolute folder. */
    record Source(String name, String text, Path baseDir, String contentType) {}

    @Override
    public Integer call() {
        List<Source> sources = new ArrayList<>();
        for (String f : files) {
            collect(f, sources);
        }
        int rc = 0;
        for (Source s : sources) {
            rc = Math.max(rc, apply(s));
        }
        return rc;
    }

    private void collect(String typed, List<Source> into) {
        if (typed.equals("-")) {
            try {
                String text = new String(cli.in.readAllBytes(), StandardCharsets.UTF_8);
                into.add(new Source(STDIN_NAME, text, Path.of("").toAbsolutePath(), "application/yaml"));
                return;
            } catch (IOException e) {
                throw new CliException(CliException.REFUSED, "cannot read stdin: " + e.getMessage());
            }
        }
        Path path = Path.of(typed);
        if (Files.isDirectory(path)) {
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(path, "*.{yaml,yml,json}")) {
                for (Path p : dir) {
                    if (Files.isRegularFile(p)) {
                        found.add(p);
                    }
                }
            } catch (IOException e) {
                throw new CliException(CliException.REFUSED, typed + ": cannot list: " + e.getMessage());
            }
            if (found.isEmpty()) {
                throw new CliException(CliException.REFUSED, typed + ": no *.yaml, *.yml or *.json files in this directory");
            }
            found.sort(null);
            for (Path p : found) {
                into.add(read(p.toString(), p));
            }
            return;
        }
        into.add(read(typed, path));
    }

    private static Source read(String name, Path path) {
        if (!Files.exists(path)) {
            throw new CliException(CliException.REFUSED, name + ": no such file");
        }
        try {
            String text = Files.readString(path);
            String type = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                    ? "application/json" : "application/yaml";
            return new Source(name, text, path.toAbsolutePath().normalize().getParent(), type);
        } catch (IOException e) {
            throw new CliException(CliException.REFUSED, name + ": cannot read: " + e.getMessage());
        }
    }

    /** Applies one source; returns 0, or 1 when the server refused it (the others still go). */
    private int apply(Source s) {
        Api api = api();
        HttpRequest req = api.request("/api/v1/apply", Api.query(
                        "file", s.name(), "baseDir", s.baseDir().toString(), "dryRun", dryRun ? "true" : null))
                .timeout(Api.REQUEST_TIMEOUT)
                .header("Content-Type", s.contentType())
                .POST(HttpRequest.BodyPublishers.ofString(s.text()))
                .build();
        HttpResponse<String> r = api.send(req);
        if (r.statusCode() == 422) {
            JsonNode body = api.parse(r.body());
            JsonNode details = body.path("details");
            if (!details.isArray() || details.isEmpty()) {
                cli.err.println("error: " + s.name() + ": " + Output.text(body, "message"));
            }
            for (JsonNode d : details) {
                String file = Output.text(d, "file");
                String path = Output.text(d, "path");
                cli.err.println("error: " + (file.isEmpty() ? s.name() : file) + ": "
                        + (path.isEmpty() ? "" : path + ": ") + Output.text(d, "message"));
            }
            return CliException.REFUSED;
        }
        try {
            api.check(r.statusCode(), r.body(), null);
        } catch (CliException e) {
            if (e.exitCode() != CliException.REFUSED) {
                throw e;
            }
            cli.err.println("error: " + s.name() + ": " + e.getMessage());
            return CliException.REFUSED;
        }
        for (JsonNode result : api.parse(r.body()).path("results")) {
            String kind = result.path("kind").isTextual() ? result.path("kind").asText().toLowerCase(Locale.ROOT) : "app";
            cli.out.println(kind + "/" + Output.text(result, "name") + " " + Output.text(result, "action")
                    + (dryRun ? " (dry run)" : ""));
        }
        return 0;
    }
}
