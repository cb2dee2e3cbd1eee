package io.tributary.sample.notification;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /notifications}: the last notifications sent. */
@RestController
class NotificationController {
    private final Notifier notifier;

    NotificationController(Notifier notifier) {
        this.notifier = notifier;
    }

    @GetMapping("/notifications")
    List<String> sent() {
        return notifier.sent();
    }
}
