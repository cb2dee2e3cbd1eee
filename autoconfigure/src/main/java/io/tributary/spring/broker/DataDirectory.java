package io.tributary.spring.broker;

import io.tributary.spring.TributaryProperties;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where an application keeps its state: {@code tributary.broker.data-dir}, else
 * {@code {user.home}/.tributary/{application name}}. Durable by default: a directory under {@code java.io.tmpdir}
 * may be cleaned by the OS (systemd-tmpfiles, reboots), taking the broker's logs and committed offsets with it.
 */
public final class DataDirectory {

    private DataDirectory() {
    }

    /**
     * The configured directory, else the default one for {@code applicationName} (not created here).
     *
     * @throws EmbeddedBrokerStartException when there is none configured and {@code user.home} is unusable
     */
    public static Path resolve(TributaryProperties.Broker properties, String applicationName) {
        if (properties.getDataDir() != null) {
            return properties.getDataDir().toAbsolutePath();
        }
        String home = System.getProperty("user.home");
        try {
            if (home == null || home.isBlank() || home.equals("?")) {
                throw new InvalidPathException(String.valueOf(home), "no home directory");
            }
            return Path.of(home, ".tributary", applicationName).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new EmbeddedBrokerStartException("The broker's default data directory {user.home}/.tributary/"
                    + applicationName + " cannot be used: user.home is '" + home + "'.",
                    "Set tributary.broker.data-dir to a directory the application can write to.", e);
        }
    }

    /** Whether {@code dir} is inside the JVM's temporary directory, which the OS may clean. */
    static boolean isTemporary(Path dir) {
        String tmp = System.getProperty("java.io.tmpdir");
        if (tmp == null || tmp.isBlank()) {
            return false;
        }
        Path tmpDir = Path.of(tmp).toAbsolutePath().normalize();
        return dir.toAbsolutePath().normalize().startsWith(tmpDir);
    }
}
