package io.nuri.gslb.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over UDP and TCP on one address and port. UDP is served by a few threads reading the same
 * socket (answers are computed in microseconds, so no queueing is needed); each TCP connection
 * (RFC 7766: length-prefixed messages, several per connection) gets a virtual thread and is
 * closed after 10 s idle.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    private static final int TCP_IDLE_MILLIS = 10_000;

    private final DnsResponder responder;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().name("gslb-dns-", 0).daemon().factory());
    private final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean closed;

    private DnsServer(DnsResponder responder, DatagramSocket udp, ServerSocket tcp) {
        this.responder = responder;
        this.udp = udp;
        this.tcp = tcp;
    }

    /** Binds UDP and TCP on the same port (port 0: a free one for both) and starts serving. */
    public static DnsServer start(DnsResponder responder, InetAddress bind, int port, int udpThreads) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(bind, port));
            try {
                ServerSocket tcp = new ServerSocket();
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(bind, udp.getLocalPort()), 128);
                DnsServer server = new DnsServer(responder, udp, tcp);
                server.serve(Math.max(1, udpThreads));
                return server;
            } catch (IOException e) {
                udp.close();
                last = e;
                if (port != 0) {
                    break; // a fixed port taken over TCP will not free itself
                }
            }
        }
        throw last;
    }

    public int port() {
        return udp.getLocalPort();
    }

    private void serve(int udpThreads) {
        for (int i = 0; i < udpThreads; i++) {
            threads.execute(this::udpLoop);
        }
        threads.execute(this::acceptLoop);
    }

    private void udpLoop() {
        byte[] buf = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(packet);
                byte[] query = java.util.Arrays.copyOfRange(buf, packet.getOffset(), packet.getOffset() + packet.getLength());
                byte[] answer = responder.respond(query, packet.getAddress(), false);
                if (answer != null) {
                    udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.debug("DNS over UDP: {}", e.toString());
                }
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                connections.execute(() -> serveTcp(s));
            } catch (IOException e) {
                if (!closed) {
                    log.debug("DNS over TCP accept: {}", e.toString());
                }
            }
        }
    }

    private void serveTcp(Socket socket) {
        try (socket) {
            socket.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] query = in.readNBytes(length);
                if (query.length < length) {
                    return;
                }
                byte[] answer = responder.respond(query, socket.getInetAddress(), true);
                if (answer == null) {
                    return;
                }
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (EOFException | SocketTimeoutException | SocketException e) {
            // client went away or idled out: normal end of a TCP session
        } catch (IOException | RuntimeException e) {
            log.debug("DNS over TCP: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
        connections.shutdownNow();
    }
}
