CREATE TABLE IF NOT EXISTS tributary_event_publication (
    id               VARCHAR(36)   NOT NULL PRIMARY KEY,
    topic            VARCHAR(249)  NOT NULL,
    event_type       VARCHAR(512)  NOT NULL,
    serialized_event CLOB          NOT NULL,
    publication_date TIMESTAMP(6)  NOT NULL,
    completion_date  TIMESTAMP(6),
    attempts         INT           DEFAULT 0 NOT NULL,
    last_error       VARCHAR(1000)
);
CREATE INDEX IF NOT EXISTS tributary_event_publication_pending
    ON tributary_event_publication (completion_date, publication_date);
