package io.outboxrelay.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Child main of the raw-producer baseline: Kafka's speed alone with the relay's producer settings and
 * records shaped like the relay's (key, payload, headers), all sent at once, one flush. Commands on
 * standard input: {@code send N} sends N records and prints {@code sent N}; end of input exits.
 * <p>
 * Arguments: producer properties file, topic, warm-up records, payload bytes.
 */
public final class ProducerBaseline {

    private static final int SAMPLES = 1000;

    private ProducerBaseline() {
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[0]))) {
            props.load(in);
        }
        String topic = args[1];
        int warmup = Integer.parseInt(args[2]);
        int payloadBytes = Integer.parseInt(args[3]);
        Map<String, Object> config = new HashMap<>();
        props.forEach((k, v) -> config.put((String) k, v));
        List<ProducerRecord<byte[], byte[]>> samples = samples(topic, payloadBytes);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            send(producer, samples, warmup);
            System.out.println("warm");
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = commands.readLine()) != null) {
                if (line.startsWith("send ")) {
                    int count = Integer.parseInt(line.substring(5).trim());
                    send(producer, samples, count);
                    System.out.println("sent " + count);
                }
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> samples,
                             int count) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
        for (int i = 0; i < count; i++) {
            producer.send(samples.get(i % samples.size()), callback);
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("send failed: " + failure.get(), failure.get());
        }
    }

    /** Records like the relay writes for bench rows: key agg-N, the JSON payload, the relay's headers. */
    private static List<ProducerRecord<byte[], byte[]>> samples(String topic, int payloadBytes) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(SAMPLES);
        for (int i = 0; i < SAMPLES; i++) {
            out.add(record(topic, i, payloadBytes, UUID.randomUUID()));
        }
        return out;
    }

    /** A record as the relay would write the bench's row number {@code seq} with event id {@code id}. */
    static ProducerRecord<byte[], byte[]> record(String topic, long seq, int payloadBytes, UUID id) {
        String aggregateId = "agg-" + (seq % EventWriter.AGGREGATES);
        RecordHeaders headers = new RecordHeaders();
        headers.add("eventId", bytes(id.toString()));
        headers.add("eventType", bytes("BenchEventHappened"));
        headers.add("aggregateType", bytes(BenchEnvironment.AGGREGATE_TYPE));
        headers.add("occurredAt", bytes(Instant.now().toString()));
        headers.add("traceId", bytes("trace-" + id.toString().substring(0, 8)));
        return new ProducerRecord<>(topic, null, null, bytes(aggregateId),
                bytes(EventWriter.payload(aggregateId, seq, payloadBytes)), headers);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
