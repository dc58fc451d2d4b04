package io.outboxrelay.consumers.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One member of a consumer group as its own JVM, for {@link GroupRebalanceIntegrationTests}: a {@link RecordingHandler}
 * consumer until SIGTERM (or SIGKILL). Arguments: bootstrap servers, JDBC URL, database user, topic, group, schema; the
 * password in {@value #PASSWORD_VARIABLE}.
 */
public final class GroupMemberProcess {

    static final String PASSWORD_VARIABLE = "MEMBER_DB_PASSWORD";
    static final String READY = "group member running";
    static final String MEMBER = "killed-member";

    private GroupMemberProcess() {
    }

    public static void main(String[] args) throws Exception {
        HikariDataSource pool = DataSources.pooled(args[1], args[2], System.getenv(PASSWORD_VARIABLE), "member");
        EventConsumer consumer = new EventConsumer(GroupRebalanceIntegrationTests.settings(args[0], args[4], args[5], args[3]),
                pool, new RecordingHandler(args[5]).hook((event, c) -> {
                    try (var st = c.createStatement()) {
                        st.execute("SET LOCAL application_name = '" + MEMBER + "'"); // seen.applied_by
                    }
                }), new SimpleMeterRegistry());
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            consumer.close();
            pool.close();
            closed.countDown();
        }));
        consumer.stopped().whenComplete((ok, failure) -> {
            if (failure != null) {
                System.err.println("member failed: " + failure);
                Runtime.getRuntime().halt(1);
            }
        });
        consumer.start();
        System.out.println(READY);
        closed.await(Duration.ofHours(1).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    static List<String> command(String bootstrap, String jdbcUrl, String user, String topic, String group, String schema) {
        return List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), GroupMemberProcess.class.getName(), bootstrap, jdbcUrl, user, topic, group,
                schema);
    }
}
