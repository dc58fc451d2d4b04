package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class CleanupIntegrationTests {

    @Test
    void closeDeletesDataDirectories() throws Exception {
        EmbeddedPostgresInstance postgres = (EmbeddedPostgresInstance) Infrastructure.startPostgres();
        EmbeddedKafkaInstance kafka = (EmbeddedKafkaInstance) Infrastructure.startKafka();
        Path postgresDirectory = postgres.directory();
        Path kafkaDirectory = kafka.directory();
        assertThat(postgresDirectory.resolve("data/PG_VERSION")).exists();
        assertThat(kafkaDirectory.resolve("logs/meta.properties")).exists();

        postgres.close();
        kafka.close();
        postgres.close(); // idempotent

        assertThat(Files.exists(postgresDirectory)).isFalse();
        assertThat(Files.exists(kafkaDirectory)).isFalse();
        assertThatThrownBy(() -> connect(postgres.host(), postgres.port())).isInstanceOf(IOException.class);
        String[] broker = kafka.bootstrapServers().split(":");
        assertThatThrownBy(() -> connect(broker[0], Integer.parseInt(broker[1]))).isInstanceOf(IOException.class);
    }

    private static void connect(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
        }
    }
}
