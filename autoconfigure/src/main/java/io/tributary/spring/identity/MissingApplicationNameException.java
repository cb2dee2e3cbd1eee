package io.tributary.spring.identity;

/**
 * The application has no name: no {@code spring.application.name} and no main class to derive one from. Consumer
 * groups and transactional ids would all become one shared default, so startup stops instead.
 */
public final class MissingApplicationNameException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    MissingApplicationNameException() {
        super("The application has no name: spring.application.name is not set and no main class was found to "
                + "derive one from. Consumer groups and transactional ids are named after the application, so "
                + "every unnamed application would share them.");
    }
}
