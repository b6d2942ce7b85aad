package io.nuri.cli;

import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} for clients that only ever speak plain {@code http://}. Without one,
 * {@code HttpClient.build()} calls {@code SSLContext.getDefault()}, which loads JSSE, the security
 * providers and the cacerts trust store: ~600 classes and about half the CPU time of a cold
 * {@code nuri get apps} against 127.0.0.1 (measured, docs/cli.md). The server binds loopback over
 * plain HTTP by default; an {@code https://} server URL gets the JDK's default context instead.
 */
final class PlainHttp {
    private PlainHttp() {}

    static SSLContext noTls() {
        return new SSLContext(new Spi(), null, "none") {};
    }

    private static final class Spi extends SSLContextSpi {
        private static UnsupportedOperationException noTls() {
            return new UnsupportedOperationException("TLS is not set up for a plain http:// server URL");
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {}

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw noTls();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw noTls();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw noTls();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw noTls();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return null;
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return null;
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return new SSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return new SSLParameters();
        }
    }
}
