package io.outboxrelay.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate for {@code localhost} / {@code 127.0.0.1} and a trust store holding
 * it, made with the JDK's {@code keytool} for a test broker ({@link KafkaOptions#tls}). Both stores are
 * PKCS12 and share one password, which is passed to keytool through its environment, never on its
 * command line. {@link #toString()} never shows it.
 */
public final class TlsCertificates {

    private static final String ALIAS = "broker";
    private static final String PASSWORD_VARIABLE = "OUTBOX_TEST_STORE_PASSWORD";

    private final Path keyStore;
    private final Path trustStore;
    private final String password;

    private TlsCertificates(Path keyStore, Path trustStore, String password) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.password = password;
    }

    /**
     * Writes {@code broker.p12} (key and certificate, valid for 2 days) and {@code truststore.p12} into
     * {@code directory}.
     *
     * @param password at least 6 characters (keytool's minimum)
     */
    public static TlsCertificates generate(Path directory, String password) {
        if (password == null || password.length() < 6) {
            throw new IllegalArgumentException("a key store password needs at least 6 characters");
        }
        Path keyStore = directory.resolve("broker.p12");
        Path certificate = directory.resolve("broker.crt");
        Path trustStore = directory.resolve("truststore.p12");
        String store = ":env";
        keytool(password, "-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:" + Local.HOST,
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass" + store, PASSWORD_VARIABLE);
        keytool(password, "-exportcert", "-rfc", "-alias", ALIAS, "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass" + store, PASSWORD_VARIABLE);
        keytool(password, "-importcert", "-noprompt", "-alias", ALIAS, "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass" + store, PASSWORD_VARIABLE);
        return new TlsCertificates(keyStore, trustStore, password);
    }

    /** The broker's key and certificate. */
    public Path keyStore() {
        return keyStore;
    }

    /** The broker's certificate, for clients. */
    public Path trustStore() {
        return trustStore;
    }

    /** The password of both stores (and of the key). */
    public String password() {
        return password;
    }

    /** {@code ssl.truststore.*}: what a Kafka client needs to trust the broker. */
    public Map<String, String> clientProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ssl.truststore.location", trustStore.toString());
        props.put("ssl.truststore.password", password);
        props.put("ssl.truststore.type", "PKCS12");
        return props;
    }

    /** {@code ssl.keystore.*} and {@code ssl.truststore.*} for the broker (which is its own client too). */
    Map<String, String> brokerProperties() {
        Map<String, String> props = new LinkedHashMap<>(clientProperties());
        props.put("ssl.keystore.location", keyStore.toString());
        props.put("ssl.keystore.password", password);
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.key.password", password);
        return props;
    }

    private static void keytool(String password, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_VARIABLE, password);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new InfrastructureException("keytool " + args[0] + " failed: " + output.strip(), null);
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot run keytool from " + System.getProperty("java.home") + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while running keytool", e);
        }
    }

    @Override
    public String toString() {
        return "TlsCertificates[" + keyStore + ", " + trustStore + "]";
    }
}
