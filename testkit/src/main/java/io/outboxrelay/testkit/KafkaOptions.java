package io.outboxrelay.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * How a test broker is secured: plaintext (the default), TLS ({@link #tls}: SSL), SASL with SCRAM-SHA-256
 * users (SASL_PLAINTEXT, or SASL_SSL {@link #withTls with TLS}), optionally with the KRaft
 * {@code StandardAuthorizer} so that every operation needs an ACL.
 *
 * <pre>{@code
 * KafkaUser relay = new KafkaUser("relay", "relay-secret");
 * try (KafkaInstance kafka = Infrastructure.startKafka(KafkaOptions.sasl(relay).withAuthorizer())) {
 *     Map<String, String> asRelay = kafka.clientProperties(relay);     // security.protocol, sasl.*
 *     Map<String, String> asAdmin = kafka.adminClientProperties();     // a super user, e.g. to add ACLs
 * }
 *
 * TlsCertificates certificates = TlsCertificates.generate(tempDir, "store-password");
 * try (KafkaInstance kafka = Infrastructure.startKafka(KafkaOptions.tls(certificates))) {
 *     Map<String, String> tls = kafka.adminClientProperties();          // security.protocol=SSL, ssl.truststore.*
 * }
 * }</pre>
 */
public final class KafkaOptions {

    /** The only mechanism offered: SCRAM users live in the cluster metadata, as in most production clusters. */
    public static final String SASL_MECHANISM = "SCRAM-SHA-256";
    /** Name of the administrator every SASL broker gets; a super user when the authorizer is on. */
    public static final String ADMIN = "admin";

    private final List<KafkaUser> users;
    private final boolean authorizer;
    private final TlsCertificates tls;

    private KafkaOptions(List<KafkaUser> users, boolean authorizer, TlsCertificates tls) {
        this.users = users;
        this.authorizer = authorizer;
        this.tls = tls;
    }

    /** No authentication, no authorization: what {@link Infrastructure#startKafka()} starts. */
    public static KafkaOptions plaintext() {
        return new KafkaOptions(List.of(), false, null);
    }

    /**
     * TLS (security protocol SSL) on the client listener with the given server certificate; clients
     * authenticate the broker only (no client certificates).
     */
    public static KafkaOptions tls(TlsCertificates certificates) {
        return plaintext().withTls(certificates);
    }

    /** The same users and authorizer over TLS: SASL_SSL instead of SASL_PLAINTEXT. */
    public KafkaOptions withTls(TlsCertificates certificates) {
        return new KafkaOptions(users, authorizer, java.util.Objects.requireNonNull(certificates, "certificates"));
    }

    /**
     * SASL_PLAINTEXT with SCRAM-SHA-256 on the client listener, for {@code users} and an administrator
     * named {@value #ADMIN} with a random password. Credentials are written when the storage is
     * formatted, so they work from the first request on.
     */
    public static KafkaOptions sasl(KafkaUser... users) {
        List<KafkaUser> all = new ArrayList<>();
        all.add(new KafkaUser(ADMIN, UUID.randomUUID().toString()));
        for (KafkaUser user : users) {
            if (user.password().contains("\"")) {
                // the formatter's --add-scram syntax has no escape for it
                throw new IllegalArgumentException("the password of " + user.name() + " may not contain '\"'");
            }
            if (all.stream().anyMatch(u -> u.name().equals(user.name()))) {
                throw new IllegalArgumentException("user " + user.name() + " given twice (" + ADMIN + " is always added)");
            }
            all.add(user);
        }
        return new KafkaOptions(Collections.unmodifiableList(all), false, null);
    }

    /**
     * Turns on the {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}: only the
     * administrator may do anything until ACLs are added (through {@link KafkaInstance#adminClientProperties()}).
     */
    public KafkaOptions withAuthorizer() {
        if (users.isEmpty()) {
            throw new IllegalStateException("an authorizer needs SASL users: use KafkaOptions.sasl(...).withAuthorizer()");
        }
        return new KafkaOptions(users, true, tls);
    }

    public boolean isSasl() {
        return !users.isEmpty();
    }

    public boolean hasAuthorizer() {
        return authorizer;
    }

    public boolean isTls() {
        return tls != null;
    }

    /** Of the client listener: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
    public String securityProtocol() {
        return (isSasl() ? "SASL_" : "") + (isTls() ? "SSL" : "PLAINTEXT");
    }

    /** The broker's certificate, or null without TLS. */
    TlsCertificates certificates() {
        return tls;
    }

    /**
     * What a client of this broker needs: security.protocol, the trust store with TLS, and the SASL
     * settings of {@code user} (null: none); empty for plaintext.
     */
    Map<String, String> clientProperties(KafkaUser user) {
        if (!isSasl() && !isTls()) {
            return Map.of();
        }
        Map<String, String> props = new LinkedHashMap<>();
        if (user != null) {
            props.putAll(saslClientProperties(user));
        }
        props.put("security.protocol", securityProtocol());
        if (isTls()) {
            props.putAll(tls.clientProperties());
        }
        return Collections.unmodifiableMap(props);
    }

    /** Every SCRAM user, the administrator first; empty for plaintext. */
    public List<KafkaUser> users() {
        return users;
    }

    KafkaUser admin() {
        if (users.isEmpty()) {
            throw new IllegalStateException("a plaintext broker has no users");
        }
        return users.get(0);
    }

    /**
     * The settings a Kafka client needs to authenticate as {@code user} (whose password need not be right:
     * tests of rejected credentials use this too).
     */
    public static Map<String, String> saslClientProperties(KafkaUser user) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", SASL_MECHANISM);
        props.put("sasl.jaas.config", jaasConfig(user));
        return Collections.unmodifiableMap(props);
    }

    static String jaasConfig(KafkaUser user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + jaasEscaped(user.name())
                + "\" password=\"" + jaasEscaped(user.password()) + "\";";
    }

    private static String jaasEscaped(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public String toString() {
        if (!isSasl()) {
            return isTls() ? "TLS" : "plaintext";
        }
        return "SASL/" + SASL_MECHANISM + (isTls() ? " over TLS" : "") + " users " + users.stream().map(KafkaUser::name).toList()
                + (authorizer ? " with StandardAuthorizer" : "");
    }
}
