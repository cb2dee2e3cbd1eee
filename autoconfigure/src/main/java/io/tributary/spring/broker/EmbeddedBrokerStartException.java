package io.tributary.spring.broker;

/** The embedded broker could not start; {@link #action()} says which setting to change. */
public final class EmbeddedBrokerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String action;

    EmbeddedBrokerStartException(String description, String action, Throwable cause) {
        super(description, cause);
        this.action = action;
    }

    public String action() {
        return action;
    }
}
