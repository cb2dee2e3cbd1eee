package io.tributary.sample.billingservice;

import io.tributary.sample.events.ShopEvents;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** billing-service on its own: {@code java -jar tributary-sample-billing-service-<version>-exec.jar}. */
@SpringBootApplication(scanBasePackages = "io.tributary.sample.billing")
@AutoConfigurationPackage(basePackageClasses = ShopEvents.class)
public class BillingServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(BillingServiceApplication.class, args);
    }
}
