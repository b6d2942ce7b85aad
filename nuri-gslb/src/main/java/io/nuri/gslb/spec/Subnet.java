package io.nuri.gslb.spec;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.xbill.DNS.Address;

/** A CIDR network ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) and whether an address is in it. */
public record Subnet(byte[] network, int prefixLength) {
    /** Null when the text is not a network in CIDR form. Never looks anything up. */
    public static Subnet parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String addr = cidr.substring(0, slash);
        byte[] bytes = Address.toByteArray(addr, Address.IPv4);
        if (bytes == null) {
            bytes = Address.toByteArray(addr, Address.IPv6);
        }
        if (bytes == null) {
            return null;
        }
        int len;
        try {
            len = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        return len < 0 || len > bytes.length * 8 ? null : new Subnet(bytes, len);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    public static InetAddress literal(String address) {
        try {
            return Address.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address literal: " + address, e);
        }
    }
}
