import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import io.nuri.gslb.Gslb;
import io.nuri.gslb.spec.GlobalServiceDecoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Failover time of the GSLB, DNS and HTTP modes, on loopback only. Each round: two sites
 * (127.0.0.2 private, 127.0.0.3 public) serving /health, the GSLB at 30/70 with 1 s checks and
 * thresholds of 2; the private site's listener is closed (as a dead site) and we time:
 *   DNS:  kill -> the first moment after which 50 answers in a row (one query every 20 ms) name
 *         only the public site;
 *   HTTP: kill -> the last request that was still tried on the private site (then moved on by the
 *         per-request failover), and the number of failed requests (must be 0).
 * Usage: java -cp 'nuri-dist/target/dist/lib/*' bench/gslb/GslbBench.java [rounds]
 */
public class GslbBench {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double[] dns = new double[rounds];
        double[] http = new double[rounds];
        long failed = 0;
        for (int r = 0; r < rounds; r++) {
            dns[r] = dnsRound();
            long[] h = httpRound();
            http[r] = h[0] / 1e3;
            failed += h[1];
            System.out.printf("round %d: DNS failover %.2f s, HTTP failover %.2f s, failed requests %d%n", r + 1, dns[r], http[r], h[1]);
        }
        System.out.printf("DNS  failover: median %.2f s (min %.2f, max %.2f) over %d rounds%n", median(dns), min(dns), max(dns), rounds);
        System.out.printf("HTTP failover: median %.2f s (min %.2f, max %.2f); failed requests in all rounds: %d%n",
                median(http), min(http), max(http), failed);
        System.exit(0);
    }

    static Server site(String address) {
        Server s = Server.builder().http(new InetSocketAddress(address, 0))
                .service("/health", (ctx, req) -> HttpResponse.of(HttpStatus.OK))
                .serviceUnder("/", (ctx, req) -> HttpResponse.of(address))
                .build();
        s.start().join();
        return s;
    }

    static Gslb gslb(Server priv, Server pub) throws Exception {
        String yaml = """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [portal.egov.test]
                  ttlSeconds: 1
                  sites:
                    - {name: private, address: 127.0.0.2, port: %d, weight: 30, healthCheck: {path: /health, intervalSeconds: 1, unhealthyThreshold: 2}}
                    - {name: public, address: 127.0.0.3, port: %d, weight: 70, healthCheck: {path: /health, intervalSeconds: 1, unhealthyThreshold: 2}}
                """.formatted(priv.activeLocalPort(), pub.activeLocalPort());
        return Gslb.builder().services(GlobalServiceDecoder.decode("bench", yaml)).dnsPort(0).httpPort(0).statusPort(-1).start();
    }

    static double dnsRound() throws Exception {
        Server priv = site("127.0.0.2");
        Server pub = site("127.0.0.3");
        try (Gslb g = gslb(priv, pub)) {
            SimpleResolver resolver = new SimpleResolver("127.0.0.1");
            resolver.setPort(g.dnsPort());
            resolver.setTimeout(Duration.ofSeconds(2));
            Record q = Record.newRecord(Name.fromString("portal.egov.test."), Type.A, 1);
            Thread.sleep(1500 + (long) (Math.random() * 1000)); // kill at a random phase of the check interval
            long killed = System.nanoTime();
            priv.stop(); // the listener closes at once; stop() completes after the connections drain
            long lastPrivate = killed;
            int publicInARow = 0;
            while (publicInARow < 50 && System.nanoTime() - killed < 30e9) {
                long t = System.nanoTime();
                Message m = resolver.send(Message.newQuery(q));
                String a = ((ARecord) m.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
                if (a.equals("127.0.0.2")) {
                    lastPrivate = t;
                    publicInARow = 0;
                } else {
                    publicInARow++;
                }
                Thread.sleep(20);
            }
            return (lastPrivate - killed) / 1e9;
        } finally {
            pub.stop().join();
        }
    }

    /** @return {millis from kill to the last request tried on the private site, failed requests} */
    static long[] httpRound() throws Exception {
        Server priv = site("127.0.0.2");
        Server pub = site("127.0.0.3");
        try (Gslb g = gslb(priv, pub)) {
            WebClient client = WebClient.builder("http://127.0.0.1:" + g.httpPort()).responseTimeout(Duration.ofSeconds(10)).build();
            AtomicLong failed = new AtomicLong();
            long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < 50_000 && System.nanoTime() < end; n++) {
                        AggregatedHttpResponse r = client.get("/").aggregate().join();
                        if (r.status().code() != 200) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(1500 + (long) (Math.random() * 1000));
            long before = g.status().services().get(0).httpFailovers();
            long killed = System.nanoTime();
            priv.stop();
            long lastFailoverAt = killed;
            long seen = before;
            while (System.nanoTime() < end) {
                long f = g.status().services().get(0).httpFailovers();
                if (f != seen) {
                    seen = f;
                    lastFailoverAt = System.nanoTime();
                }
                Thread.sleep(5);
            }
            for (Thread t : threads) {
                t.join();
            }
            return new long[] {(lastFailoverAt - killed) / 1_000_000, failed.get()};
        } finally {
            pub.stop().join();
        }
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] a) {
        return Arrays.stream(a).min().orElse(0);
    }

    static double max(double[] a) {
        return Arrays.stream(a).max().orElse(0);
    }
}
