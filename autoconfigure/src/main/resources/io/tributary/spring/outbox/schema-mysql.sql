CREATE TABLE IF NOT EXISTS tributary_event_publication (
    id               VARCHAR(36)   NOT NULL PRIMARY KEY,
    topic            VARCHAR(249)  NOT NULL,
    event_type       VARCHAR(512)  NOT NULL,
    serialized_event LONGTEXT      NOT NULL,
    publication_date TIMESTAMP(6)  NOT NULL,
    completion_date  TIMESTAMP(6)  NULL,
    attempts         INT           NOT NULL DEFAULT 0,
    last_error       VARCHAR(1000),
    INDEX tributary_event_publication_pending (completion_date, publication_date)
);
