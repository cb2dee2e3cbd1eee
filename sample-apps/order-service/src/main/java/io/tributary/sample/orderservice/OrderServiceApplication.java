package io.tributary.sample.orderservice;

import io.tributary.sample.events.ShopEvents;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** order-service on its own: {@code java -jar tributary-sample-order-service-<version>-exec.jar}. */
@SpringBootApplication(scanBasePackages = "io.tributary.sample.order")
@AutoConfigurationPackage(basePackageClasses = ShopEvents.class)
public class OrderServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrderServiceApplication.class, args);
    }
}
