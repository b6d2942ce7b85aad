package io.nuri.gateway.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.TlsKeyPair;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads and checks a PEM certificate chain and private key. All parsing goes through the JDK
 * ({@link CertificateFactory}, {@link KeyFactory}) or Armeria ({@link TlsKeyPair}); this class only strips
 * the PEM armour and turns failures into messages that name the file and the problem.
 */
final class PemLoader {

    private static final Pattern CERT_BLOCK =
            Pattern.compile("-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", Pattern.DOTALL);
    private static final Pattern KEY_BLOCK = Pattern.compile(
            "-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED |OPENSSH )?PRIVATE KEY)-----(.*?)-----END \\1-----",
            Pattern.DOTALL);
    private static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    /** A loaded, checked key pair plus the raw bytes it came from (to notice changes). */
    record Loaded(TlsKeyPair keyPair, X509Certificate leaf, byte[] certBytes, byte[] keyBytes,
                  List<String> warnings) {

        boolean sameBytes(byte[] cert, byte[] key) {
            return MessageDigest.isEqual(certBytes, cert) && MessageDigest.isEqual(keyBytes, key);
        }
    }

    private PemLoader() {
    }

    /** Reads a file named in the TLS settings, with a clear message when it cannot be read. */
    static byte[] read(Path file, String what) {
        try {
            if (Files.isDirectory(file)) {
                throw new TlsConfigException(file, what + " " + file + " is a directory, not a file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(file, what + " " + file + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new TlsConfigException(file, what + " " + file + " is not readable (permission denied)", e);
        } catch (IOException e) {
            throw new TlsConfigException(file, "cannot read " + what + " " + file + ": " + e, e);
        }
    }

    static Loaded load(Collection<String> hosts, Path certFile, Path keyFile) {
        byte[] cert = read(certFile, "TLS certificate file");
        byte[] key = read(keyFile, "TLS private key file");
        return load(hosts, certFile, cert, keyFile, key);
    }

    /**
     * Checks a certificate chain and key for the given host patterns ({@code *} = default).
     *
     * @throws TlsConfigException if they cannot be served
     */
    static Loaded load(Collection<String> hosts, Path certFile, byte[] certBytes, Path keyFile, byte[] keyBytes) {
        List<X509Certificate> chain = parseChain(certFile, certBytes);
        X509Certificate leaf = chain.get(0);
        PrivateKey key = parseKey(keyFile, keyBytes, certFile, certBytes, leaf);
        checkMatch(key, leaf, certFile, keyFile);
        TlsKeyPair pair = TlsKeyPair.of(key, chain);
        tryContext(pair, certFile, keyFile);

        List<String> warnings = new ArrayList<>();
        Instant now = Instant.now();
        Instant notAfter = leaf.getNotAfter().toInstant();
        Instant notBefore = leaf.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            warnings.add("TLS certificate " + certFile + " (" + subject(leaf) + ") expired at " + notAfter
                         + "; serving it anyway, clients will reject it");
        } else if (now.isBefore(notBefore)) {
            warnings.add("TLS certificate " + certFile + " (" + subject(leaf) + ") is not valid before "
                         + notBefore + "; serving it anyway, clients will reject it until then");
        } else if (now.plus(EXPIRY_WARNING).isAfter(notAfter)) {
            warnings.add("TLS certificate " + certFile + " (" + subject(leaf) + ") expires soon, at " + notAfter);
        }
        List<String> names = dnsNames(leaf);
        for (String host : hosts) {
            if (!"*".equals(host) && !covers(names, host)) {
                warnings.add("TLS certificate " + certFile + " (" + subject(leaf) + ") does not cover host '"
                             + host + "' (it is for " + names + "); clients verifying the name will reject it");
            }
        }
        return new Loaded(pair, leaf, certBytes.clone(), keyBytes.clone(), List.copyOf(warnings));
    }

    private static List<X509Certificate> parseChain(Path file, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        Matcher m = CERT_BLOCK.matcher(text);
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
        while (m.find()) {
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(1).trim());
            } catch (IllegalArgumentException e) {
                throw new TlsConfigException(file, "TLS certificate file " + file + ": certificate #"
                        + (chain.size() + 1) + " is not valid base64 PEM: " + e.getMessage(), e);
            }
            try {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException e) {
                throw new TlsConfigException(file, "TLS certificate file " + file + ": certificate #"
                        + (chain.size() + 1) + " is not a valid X.509 certificate: " + e.getMessage(), e);
            }
        }
        if (chain.isEmpty()) {
            throw new TlsConfigException(file, "TLS certificate file " + file + " is not a PEM certificate: "
                    + notPemReason(bytes, text, "-----BEGIN CERTIFICATE-----",
                                   KEY_BLOCK.matcher(text).find()
                                   ? "it holds a private key (are the certificate and key files swapped?)"
                                   : null));
        }
        return chain;
    }

    private static PrivateKey parseKey(Path file, byte[] bytes, Path certFile, byte[] certBytes,
                                       X509Certificate leaf) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        Matcher m = KEY_BLOCK.matcher(text);
        if (!m.find()) {
            throw new TlsConfigException(file, "TLS private key file " + file + " is not a PEM private key: "
                    + notPemReason(bytes, text, "-----BEGIN PRIVATE KEY-----",
                                   CERT_BLOCK.matcher(text).find()
                                   ? "it holds a certificate (are the certificate and key files swapped?)"
                                   : null));
        }
        String type = m.group(1);
        String body = m.group(2);
        switch (type) {
            case "PRIVATE KEY":
                return pkcs8(file, body, leaf);
            case "RSA PRIVATE KEY":
                if (body.contains("ENCRYPTED")) {
                    throw encrypted(file);
                }
                // PKCS#1: parsed by Armeria (it carries a minified BouncyCastle provider for this).
                try {
                    return TlsKeyPair.of(new ByteArrayInputStream(bytes), new ByteArrayInputStream(certBytes))
                                     .privateKey();
                } catch (RuntimeException e) {
                    throw new TlsConfigException(file, "TLS private key file " + file
                            + ": cannot parse the PKCS#1 RSA private key: " + rootMessage(e)
                            + "; convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem", e);
                }
            case "EC PRIVATE KEY":
                throw new TlsConfigException(file, "TLS private key file " + file
                        + " holds an 'EC PRIVATE KEY' (SEC1), which is not supported; convert it to PKCS#8 with: "
                        + "openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
            case "ENCRYPTED PRIVATE KEY":
                throw encrypted(file);
            default:
                throw new TlsConfigException(file, "TLS private key file " + file + " holds a '" + type
                        + "', which is not supported; use an unencrypted PKCS#8 key ('BEGIN PRIVATE KEY'), e.g. "
                        + "openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        }
    }

    private static PrivateKey pkcs8(Path file, String body, X509Certificate leaf) {
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(body.trim());
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException(file, "TLS private key file " + file + " is not valid base64 PEM: "
                    + e.getMessage(), e);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        // The key's algorithm is that of the certificate's public key, if they belong together.
        String certAlg = leaf.getPublicKey().getAlgorithm();
        List<String> algs = new ArrayList<>(List.of(certAlg));
        for (String a : List.of("RSA", "EC", "RSASSA-PSS", "Ed25519", "Ed448")) {
            if (!algs.contains(a)) {
                algs.add(a);
            }
        }
        GeneralSecurityException first = null;
        for (String alg : algs) {
            try {
                PrivateKey k = KeyFactory.getInstance(alg).generatePrivate(spec);
                if (!alg.equals(certAlg) && !k.getAlgorithm().equals(certAlg)) {
                    throw new TlsConfigException(file, "TLS private key file " + file + " holds an "
                            + k.getAlgorithm() + " key but the certificate's key is " + certAlg
                            + ": the key does not match the certificate");
                }
                return k;
            } catch (GeneralSecurityException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw new TlsConfigException(file, "TLS private key file " + file + ": cannot parse the PKCS#8 private key ("
                + rootMessage(first) + ")", first);
    }

    private static TlsConfigException encrypted(Path file) {
        return new TlsConfigException(file, "TLS private key file " + file
                + " is encrypted, which is not supported; decrypt it with: openssl pkcs8 -topk8 -nocrypt -in "
                + file + " -out key.pem (and keep it mode 0600)");
    }

    private static String notPemReason(byte[] bytes, String text, String expected, String hint) {
        if (hint != null) {
            return hint;
        }
        if (bytes.length == 0 || text.isBlank()) {
            return "the file is empty";
        }
        if ((bytes[0] & 0xff) == 0x30) {
            return "it looks like binary DER; convert it to PEM with openssl (x509 -inform der / pkcs8 -inform der)";
        }
        return "no '" + expected + "' block found";
    }

    private static void checkMatch(PrivateKey key, X509Certificate leaf, Path certFile, Path keyFile) {
        PublicKey pub = leaf.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            return; // unusual key type: the trial SslContext below still has to accept it
        }
        boolean ok;
        try {
            byte[] probe = "nuri-gateway key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            ok = v.verify(sig);
        } catch (GeneralSecurityException e) {
            ok = false;
        }
        if (!ok) {
            throw new TlsConfigException(keyFile, "TLS private key file " + keyFile
                    + " does not match the certificate in " + certFile + " (" + subject(leaf) + ")");
        }
    }

    /** Builds (and drops) an SslContext with the engine Armeria will use, so unusable material fails now. */
    private static void tryContext(TlsKeyPair pair, Path certFile, Path keyFile) {
        SslContext ctx = null;
        try {
            SslContextBuilder b = SslContextBuilder.forServer(pair.privateKey(), pair.certificateChain())
                                                   .sslProvider(Flags.tlsEngineType().sslProvider())
                                                   .protocols(TlsSetup.PROTOCOLS)
                                                   .ciphers(TlsSetup.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
            ctx = b.build();
        } catch (Exception e) {
            throw new TlsConfigException(certFile, "TLS certificate " + certFile + " with key " + keyFile
                    + " cannot be used: " + rootMessage(e), e);
        } finally {
            ReferenceCountUtil.release(ctx);
        }
    }

    static String subject(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName();
    }

    /** The DNS and IP names a certificate is for (SANs, or the CN when it has none). */
    static List<String> dnsNames(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    if (Integer.valueOf(2).equals(type) || Integer.valueOf(7).equals(type)) {
                        names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall through to the CN
        }
        if (names.isEmpty()) {
            Matcher cn = Pattern.compile("(?:^|,)CN=([^,]+)").matcher(subject(cert));
            if (cn.find()) {
                names.add(cn.group(1).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** Whether a certificate with these names is valid for a host pattern (exact or {@code *.domain}). */
    static boolean covers(List<String> names, String host) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        for (String n : names) {
            if (n.equals(host)) {
                return true;
            }
            if (ip != null && Arrays.equals(ip, NetUtil.createByteArrayFromIpAddressString(n))) {
                return true;
            }
            if (!host.startsWith("*.") && n.startsWith("*.")) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot).equals(n.substring(1))) {
                    return true;
                }
            }
        }
        return false;
    }

    static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            return "?";
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String msg = c.getMessage();
        return msg == null ? c.getClass().getSimpleName() : msg;
    }
}
