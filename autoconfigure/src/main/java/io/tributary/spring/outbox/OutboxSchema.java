package io.tributary.spring.outbox;

import io.tributary.spring.TributaryProperties.Outbox.SchemaInitialization;
import java.sql.DatabaseMetaData;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.support.JdbcUtils;

/**
 * Creates the outbox table from the schema script of the database ({@code io/tributary/spring/outbox/schema-
 * {h2,postgresql,mysql}.sql}) as {@code tributary.outbox.initialize-schema} says, when the context starts and
 * before the outbox reads the table; when it does not create the table, checks that it exists, so a missing table
 * fails startup instead of the first transaction that publishes. The scripts create the table only if it does not
 * exist.
 */
final class OutboxSchema implements InitializingBean {
    private static final Logger log = LoggerFactory.getLogger(OutboxSchema.class);

    private final DataSource dataSource;
    private final SchemaInitialization initialization;

    OutboxSchema(DataSource dataSource, SchemaInitialization initialization) {
        this.dataSource = dataSource;
        this.initialization = initialization;
    }

    @Override
    public void afterPropertiesSet() throws Exception {
        String product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
        String url = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getURL);
        var script = new ClassPathResource("io/tributary/spring/outbox/schema-" + platform(product) + ".sql");
        boolean create = initialization == SchemaInitialization.ALWAYS
                || (initialization == SchemaInitialization.EMBEDDED && isEmbedded(product, url));
        if (create && !script.exists()) {
            throw new IllegalStateException("Tributary has no outbox schema script for " + product + ": create the "
                    + OutboxTable.TABLE + " table as docs/outbox.md shows and set tributary.outbox.initialize-schema"
                    + "=never, or set tributary.outbox.enabled=false");
        }
        if (create) {
            DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(script), dataSource);
            log.debug("Outbox table {} ready ({})", OutboxTable.TABLE, product);
        } else if (!tableExists()) {
            // Found now rather than as a failed insert in the application's first transaction that publishes.
            throw new IllegalStateException("The outbox table " + OutboxTable.TABLE + " does not exist in the " + product
                    + " database " + url + ". Create it with the script " + (script.exists() ? script.getPath()
                    : "of docs/outbox.md") + " from the Tributary starter's jar, or set"
                    + " tributary.outbox.initialize-schema=always to create it at startup, or set"
                    + " tributary.outbox.enabled=false to send forwarded events from memory instead.");
        }
    }

    private boolean tableExists() {
        try {
            new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM " + OutboxTable.TABLE + " WHERE 1 = 0",
                    Integer.class);
            return true;
        } catch (DataAccessException e) {
            return false;
        }
    }

    /** As Spring Boot's EmbeddedDatabaseConnection: H2, HSQLDB and Derby in the process, not through a server. */
    private static boolean isEmbedded(String product, String url) {
        String name = product.toLowerCase(Locale.ROOT);
        boolean inProcessEngine = name.equals("h2") || name.startsWith("hsql") || name.contains("derby");
        String address = String.valueOf(url).toLowerCase(Locale.ROOT);
        return inProcessEngine && !address.contains("tcp:") && !address.contains("ssl:") && !address.contains("//");
    }

    private static String platform(String product) {
        String name = product.toLowerCase(Locale.ROOT);
        if (name.equals("mariadb")) {
            return "mysql";
        }
        return name.replace(" ", "");
    }
}
