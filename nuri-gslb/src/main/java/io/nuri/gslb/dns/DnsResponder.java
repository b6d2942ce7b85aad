package io.nuri.gslb.dns;

import java.net.InetAddress;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * Answers one DNS query as the authoritative server of the GSLB's zones. Pure apart from the
 * {@link Directory} it asks for addresses, so every rule is testable without sockets. The wire
 * format is dnsjava's; this class only decides what goes in the sections.
 *
 * <ul>
 *   <li>a service hostname: A/AAAA chosen by the service's policy among healthy sites (AA set);
 *   <li>the zone apex: SOA and NS; the name server's own name: its address;
 *   <li>another name in a zone: NXDOMAIN with the SOA in the authority section (negative TTL);
 *   <li>a name outside every zone: REFUSED (this server is not a resolver; RA is never set).
 * </ul>
 */
public final class DnsResponder {
    /** EDNS payload this server advertises (the DNS flag day 2020 recommendation). */
    static final int EDNS_PAYLOAD = 1232;
    static final int PLAIN_UDP_LIMIT = 512;

    /** What the responder needs to know about the names it serves. */
    public interface Directory {
        /** The zones served, as absolute names. */
        List<Zone> zones();

        /** Addresses for a service hostname (family per {@code ipv6}); null when the name is no service. */
        List<InetAddress> addresses(Name name, boolean ipv6, InetAddress client);

        /** The TTL of a service hostname's answers. */
        long ttl(Name name);

        /** Whether some service hostname lies below this name (an empty non-terminal: NODATA, not NXDOMAIN). */
        boolean hasNamesBelow(Name name);
    }

    /** A zone this server is authoritative for. */
    public record Zone(Name apex, Name nameServer, InetAddress nameServerAddress, long serial, long negativeTtl) {
        public static Zone of(String apex, String nameServer, InetAddress nsAddress, long serial, long negativeTtl) {
            try {
                return new Zone(Name.fromString(apex, Name.root), Name.fromString(nameServer, Name.root), nsAddress,
                        serial, negativeTtl);
            } catch (TextParseException e) {
                throw new IllegalArgumentException("bad zone name " + apex + ": " + e.getMessage(), e);
            }
        }

        SOARecord soa() {
            try {
                Name admin = Name.fromString("hostmaster", apex);
                return new SOARecord(apex, DClass.IN, negativeTtl, nameServer, admin, serial, 3600, 600, 86_400, negativeTtl);
            } catch (TextParseException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Directory directory;

    public DnsResponder(Directory directory) {
        this.directory = directory;
    }

    /**
     * The response to a query as wire bytes, or null when the bytes are not a query worth
     * answering (too short to hold an id, or a response).
     *
     * @param maxUdp for UDP the size limit decided by the caller's transport; 0 over TCP
     */
    public byte[] respond(byte[] query, InetAddress client, boolean tcp) {
        Message q;
        try {
            q = new Message(query);
        } catch (WireParseException e) {
            return query.length >= Header.LENGTH ? formErr(query) : null;
        } catch (java.io.IOException e) {
            return null;
        }
        if (q.getHeader().getFlag(Flags.QR)) {
            return null; // never answer a response (reflection loops)
        }
        Message r = answer(q, client);
        byte[] wire = r.toWire();
        if (tcp) {
            return wire;
        }
        OPTRecord opt = q.getOPT();
        int limit = opt == null ? PLAIN_UDP_LIMIT : Math.max(PLAIN_UDP_LIMIT, Math.min(opt.getPayloadSize(), 4096));
        if (wire.length <= limit) {
            return wire;
        }
        // Too big for UDP: header, question and OPT only, with TC set, so the client asks over TCP.
        Message t = new Message(q.getHeader().getID());
        copyHeader(r, t);
        t.getHeader().setFlag(Flags.TC);
        t.getHeader().setRcode(r.getHeader().getRcode());
        if (q.getQuestion() != null) {
            t.addRecord(q.getQuestion(), Section.QUESTION);
        }
        if (r.getOPT() != null) {
            t.addRecord(r.getOPT(), Section.ADDITIONAL);
        }
        return t.toWire();
    }

    Message answer(Message q, InetAddress client) {
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.getHeader().setOpcode(q.getHeader().getOpcode());
        Record question = q.getQuestion();
        if (question != null) {
            r.addRecord(question, Section.QUESTION);
        }
        OPTRecord opt = q.getOPT();
        InetAddress subject = client;
        if (opt != null) {
            if (opt.getVersion() > 0) {
                r.addRecord(new OPTRecord(EDNS_PAYLOAD, Rcode.BADVERS >>> 4, 0), Section.ADDITIONAL);
                r.getHeader().setRcode(Rcode.BADVERS & 0xf);
                return r;
            }
            ClientSubnetOption ecs = clientSubnet(opt);
            if (ecs != null) {
                subject = ecs.getAddress();
                r.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0, 0, List.of(new ClientSubnetOption(
                        ecs.getSourcePrefixLength(), ecs.getSourcePrefixLength(), ecs.getAddress()))), Section.ADDITIONAL);
            } else {
                r.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
            }
        }
        if (q.getHeader().getOpcode() != Opcode.QUERY) {
            r.getHeader().setRcode(Rcode.NOTIMP);
            return r;
        }
        if (question == null || q.getHeader().getCount(Section.QUESTION) != 1) {
            r.getHeader().setRcode(Rcode.FORMERR);
            return r;
        }
        Name name = question.getName();
        int type = question.getType();
        Zone zone = zoneOf(name);
        if (zone == null || question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
            r.getHeader().setRcode(Rcode.REFUSED);
            return r;
        }
        r.getHeader().setFlag(Flags.AA);
        boolean any = type == Type.ANY;
        if (name.equals(zone.apex())) {
            if (type == Type.SOA || any) {
                r.addRecord(zone.soa(), Section.ANSWER);
            }
            if (type == Type.NS || any) {
                r.addRecord(new NSRecord(zone.apex(), DClass.IN, 3600, zone.nameServer()), Section.ANSWER);
                addNameServerAddress(r, zone, Section.ADDITIONAL);
            }
        }
        if (name.equals(zone.nameServer()) && (type == Type.A || type == Type.AAAA || any)) {
            addNameServerAddress(r, zone, Section.ANSWER);
        }
        List<InetAddress> v4 = directory.addresses(name, false, subject);
        boolean service = v4 != null;
        if (service && (type == Type.A || any)) {
            for (InetAddress a : v4) {
                r.addRecord(new ARecord(name, DClass.IN, directory.ttl(name), a), Section.ANSWER);
            }
        }
        if (service && (type == Type.AAAA || any)) {
            for (InetAddress a : directory.addresses(name, true, subject)) {
                r.addRecord(new AAAARecord(name, DClass.IN, directory.ttl(name), a), Section.ANSWER);
            }
        }
        boolean exists = service || name.equals(zone.apex()) || name.equals(zone.nameServer())
                || directory.hasNamesBelow(name);
        if (!exists) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        if (r.getHeader().getCount(Section.ANSWER) == 0) {
            r.addRecord(zone.soa(), Section.AUTHORITY); // NXDOMAIN or NODATA: negative caching per RFC 2308
        }
        return r;
    }

    private static void addNameServerAddress(Message r, Zone zone, int section) {
        InetAddress a = zone.nameServerAddress();
        if (a == null || !zone.nameServer().subdomain(zone.apex())) {
            return; // out-of-zone name server: no glue to give
        }
        r.addRecord(a.getAddress().length == 4 ? new ARecord(zone.nameServer(), DClass.IN, 3600, a)
                : new AAAARecord(zone.nameServer(), DClass.IN, 3600, a), section);
    }

    private Zone zoneOf(Name name) {
        Zone best = null;
        for (Zone z : directory.zones()) {
            if (name.subdomain(z.apex()) && (best == null || z.apex().labels() > best.apex().labels())) {
                best = z;
            }
        }
        return best;
    }

    private static ClientSubnetOption clientSubnet(OPTRecord opt) {
        for (EDNSOption o : opt.getOptions(EDNSOption.Code.CLIENT_SUBNET)) {
            if (o instanceof ClientSubnetOption ecs) {
                return ecs;
            }
        }
        return null;
    }

    private static void copyHeader(Message from, Message to) {
        for (int flag : new int[] {Flags.QR, Flags.AA, Flags.RD}) {
            if (from.getHeader().getFlag(flag)) {
                to.getHeader().setFlag(flag);
            }
        }
        to.getHeader().setOpcode(from.getHeader().getOpcode());
    }

    /** FORMERR echoing the id of a query we could not parse. */
    private static byte[] formErr(byte[] query) {
        Header h = new Header(((query[0] & 0xff) << 8) | (query[1] & 0xff));
        h.setFlag(Flags.QR);
        h.setRcode(Rcode.FORMERR);
        Message m = new Message();
        m.setHeader(h);
        return m.toWire();
    }
}
