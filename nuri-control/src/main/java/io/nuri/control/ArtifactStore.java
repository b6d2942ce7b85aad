package io.nuri.control;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

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
            // A fresh mtime keeps the garbage collector off a copy an apply is about to reference.
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
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

    public Path dir() {
        return dir;
    }

    /**
     * Deletes every artifact that {@code referenced} does not name and whose file is older than
     * {@code minAge} (an apply copies a jar in before it commits the revision that names it, so
     * a young unreferenced file may be about to be referenced). Leftover temp files of a crashed
     * import go too. Returns the deleted files.
     */
    public List<Path> collect(Set<Path> referenced, Duration minAge) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Set<Path> keep = new HashSet<>();
        referenced.forEach(p -> keep.add(p.toAbsolutePath().normalize()));
        Instant cutoff = Instant.now().minus(minAge);
        List<Path> deleted = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean ours = name.endsWith(".jar") || name.startsWith("import-") && name.endsWith(".tmp");
                if (!ours || keep.contains(f.toAbsolutePath().normalize())) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isAfter(cutoff)) {
                        continue;
                    }
                    if (Files.deleteIfExists(f)) {
                        deleted.add(f);
                    }
                } catch (NoSuchFileException gone) {
                    // deleted meanwhile: nothing to do
                }
            }
        }
        return deleted;
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
