package io.nuri.gslb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code dig} (Debian bind9-dnsutils) against a local port. */
final class Dig {
    private Dig() {}

    static String run(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", String.valueOf(port), "+tries=1", "+time=3"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                byte[] out = p.getInputStream().readAllBytes();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dig finished").isTrue();
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run dig (apt-get install bind9-dnsutils): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code n} A queries for one name in one dig process (batch mode), answers in order. */
    static List<String> batch(int port, String name, int n, Path dir) throws IOException {
        Path file = dir.resolve("queries-" + System.nanoTime());
        Files.writeString(file, (name + " A\n").repeat(n));
        String out = run(port, "+short", "-f", file.toString());
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one answer per query:\n" + out).hasSize(n);
        return lines;
    }

    static String status(String digOutput) {
        int i = digOutput.indexOf("status: ");
        assertThat(i).as("dig printed a header:\n" + digOutput).isGreaterThanOrEqualTo(0);
        return digOutput.substring(i + 8, digOutput.indexOf(',', i));
    }

    static String flags(String digOutput) {
        int i = digOutput.indexOf(";; flags: ");
        assertThat(i).as("dig printed flags:\n" + digOutput).isGreaterThanOrEqualTo(0);
        return digOutput.substring(i + 10, digOutput.indexOf(';', i + 10));
    }
}
