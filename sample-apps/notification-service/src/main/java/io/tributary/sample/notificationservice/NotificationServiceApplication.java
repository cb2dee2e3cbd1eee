package io.tributary.sample.notificationservice;

import io.tributary.sample.events.ShopEvents;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** notification-service on its own: {@code java -jar tributary-sample-notification-service-<version>-exec.jar}. */
@SpringBootApplication(scanBasePackages = "io.tributary.sample.notification")
@AutoConfigurationPackage(basePackageClasses = ShopEvents.class)
public class NotificationServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(NotificationServiceApplication.class, args);
    }
}
