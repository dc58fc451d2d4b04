package io.outboxrelay.pipeline.orders;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A server address given as {@code HOST}, {@code HOST:PORT} or {@code [IPv6]:PORT}: the one parser of the
 * commands' {@code --postgres} option, so that a bad value is a usage error naming the option, not a stack trace.
 */
record HostPort(String host, int port) {

    static final int POSTGRES_PORT = 5432;

    /** @throws IllegalArgumentException naming what is wrong and the expected form */
    static HostPort parse(String text, int defaultPort) {
        String value = text == null ? "" : text.trim();
        String host = value;
        String port = null;
        if (value.startsWith("[")) { // [::1]:5432
            int close = value.indexOf(']');
            if (close < 0 || close + 1 < value.length() && value.charAt(close + 1) != ':') {
                throw invalid(text, "an IPv6 address goes in brackets, e.g. [::1]:5432");
            }
            host = value.substring(1, close);
            port = close + 1 < value.length() ? value.substring(close + 2) : null;
        }
        else if (value.indexOf(':') >= 0) {
            if (value.indexOf(':') != value.lastIndexOf(':')) {
                throw invalid(text, "an IPv6 address goes in brackets, e.g. [::1]:5432");
            }
            host = value.substring(0, value.indexOf(':'));
            port = value.substring(value.indexOf(':') + 1);
        }
        if (host.isEmpty()) {
            throw invalid(text, "the host is missing");
        }
        if (port == null) {
            return new HostPort(host, defaultPort);
        }
        try {
            int number = Integer.parseInt(port);
            if (number >= 1 && number <= 65535) {
                return new HostPort(host, number);
            }
        }
        catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(text, "the port must be a number from 1 to 65535");
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not HOST or HOST:PORT (e.g. db:5432): " + why);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** For {@code --postgres}: PostgreSQL's port when none is given. */
    static final class PostgresConverter implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return parse(value, POSTGRES_PORT);
            }
            catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
