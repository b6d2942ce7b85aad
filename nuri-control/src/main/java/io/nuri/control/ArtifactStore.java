package io.nuri.control;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content-addressed copies of the jars apps run. A revision points at the copy, not at the
 * developer's build output, so a revision stays immutable when target/app.jar is rebuilt, and a
 * rollback runs exactly the bytes it ran before.
 */
public final class ArtifactStore {
    private final Path dir;

    public ArtifactStore(Path dir) {
        this.dir = dir;
    }

    /** Copies {@code jar} in (once per content) and returns the path of the copy. */
    public Path importJar(Path jar) throws IOException {
        String digest = sha256(jar);
        Path target = dir.resolve(digest + ".jar");
        if (Files.exists(target)) {
            return target;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "import-", ".tmp");
        try {
            Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
            // Atomic rename: a crash leaves a tmp file, never a half-written artifact.
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(String text) {
        return HexFormat.of().formatHex(newSha256().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
