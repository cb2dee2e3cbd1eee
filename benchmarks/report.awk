# Turns run.sh's per-round lines ("run round=R target=T test=X status=ok|error key=value ...") into the
# comparison table: median [min..max] per target, ratio tributary/kafka, and which side is better.
# usage: awk -v targets="kafka tributary" -f report.awk runs.txt

function median(list, n,    i, j, t, v) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    LO = v[1] + 0; HI = v[n] + 0
    return (n % 2) ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
}
function num(x, digits) {
    if (digits == 0) return sprintf("%.0f", x)
    return sprintf("%." digits "f", x)
}
function row(test, metric, label, better, digits) {
    NROW++; RT[NROW] = test; RM[NROW] = metric; RL[NROW] = label; RB[NROW] = better; RD[NROW] = digits
}
BEGIN {
    NT = split(targets, T, " ")
    row("startup", "first_record_ms", "startup: launch -> first record consumed (ms)", "lower", 0)
    row("startup", "port_open_ms", "  launch -> port open (ms)", "lower", 0)
    row("format", "format_ms", "  Kafka only: storage format before launch, own JVM (ms)", "info", 0)
    row("produce_100B_acks1", "records_per_s", "produce 100 B acks=1 (records/s)", "higher", 0)
    row("produce_100B_acks1", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("produce_100B_acksall", "records_per_s", "produce 100 B acks=all (records/s)", "higher", 0)
    row("produce_100B_acksall", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("produce_1KiB_acks1", "records_per_s", "produce 1 KiB acks=1 (records/s)", "higher", 0)
    row("produce_1KiB_acks1", "mb_per_s", "  MB/s", "higher", 1)
    row("produce_1KiB_acks1", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("produce_1KiB_acksall", "records_per_s", "produce 1 KiB acks=all (records/s)", "higher", 0)
    row("produce_1KiB_acksall", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("consume_100B", "records_per_s", "consume 100 B, consumer group (records/s)", "higher", 0)
    row("consume_100B", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("consume_100B", "join_ms", "  joining the group (ms)", "lower", 0)
    row("consume_1KiB", "records_per_s", "consume 1 KiB, consumer group (records/s)", "higher", 0)
    row("consume_1KiB", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("consume_100B_assign", "records_per_s", "consume 100 B, assign(), no group (records/s)", "higher", 0)
    row("consume_100B_assign", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("consume_1KiB_assign", "records_per_s", "consume 1 KiB, assign(), no group (records/s)", "higher", 0)
    row("consume_1KiB_assign", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    gm = (group_members != "" ? group_members + 0 : "N"); gp = (group_partitions != "" ? group_partitions : "M")
    gl = (gm == "N" ? "N-1" : gm - 1)
    for (a = 1; a <= 2; a++) {
        gt = (a == 1 ? "group_rebalance_range" : "group_rebalance_coop")
        row(gt, "form_ms", "group rebalance, " (a == 1 ? "range (eager)" : "cooperative-sticky") ", " gm " members, " gp " partitions: a new group forms (ms)", "lower", 0)
        row(gt, "join_ms", "  a member joins (" gl " -> " gm "): subscribe -> all assigned (ms)", "lower", 0)
        row(gt, "leave_ms", "  a member leaves (" gm " -> " gl "): close() -> all assigned (ms)", "lower", 0)
        row(gt, "join_generations", "  rebalances (generations) per join", "info", 0)
        row(gt, "leave_generations", "  rebalances (generations) per leave", "info", 0)
        row(gt, "broker_cpu_s", "  broker CPU-s over the probe run", "lower", 2)
    }
    row("group_consume_100B", "records_per_s", "consume 100 B, consumer group, " gp " partitions (records/s)", "higher", 0)
    row("group_consume_100B", "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    row("group_consume_100B", "join_ms", "  joining the group (ms)", "lower", 0)
    row("e2e_100B_acks1", "p50_ms", "end-to-end latency 100 B acks=1, p50 (ms, whole ms as the tool prints)", "lower", 0)
    row("e2e_100B_acks1", "p99_ms", "  p99 (ms, whole ms)", "lower", 0)
    row("e2e_100B_acks1", "avg_ms", "  average (ms)", "lower", 2)
    for (a = 1; a <= 2; a++) {
        tt = (a == 1 ? "txn_produce_100B_100" : "txn_produce_100B_1000")
        row(tt, "records_per_s", "transactional produce 100 B, " (a == 1 ? "100" : "1000") " records/txn (records/s)", "higher", 0)
        row(tt, "txns_per_s", "  transactions committed/s", "higher", 1)
        row(tt, "commit_p50_ms", "  commitTransaction() call, p50 (ms)", "lower", 3)
        row(tt, "commit_p99_ms", "    p99 (ms)", "lower", 3)
        row(tt, "commit_avg_ms", "    average (ms)", "lower", 3)
        row(tt, "cpu_s_per_mrec", "  broker CPU-s per million records", "lower", 2)
    }
    row("txn_e2e_100B", "p50_ms", "end-to-end latency read_committed, 1 record/txn, send -> poll, p50 (ms)", "lower", 3)
    row("txn_e2e_100B", "p99_ms", "  p99 (ms)", "lower", 3)
    row("txn_e2e_100B", "avg_ms", "  average (ms)", "lower", 3)
    row("txn_e2e_100B", "commit_p50_ms", "  of which send -> commitTransaction() returned, p50 (ms)", "lower", 3)
    row("txn_e2e_100B", "cpu_ms_per_txn", "  broker CPU-ms per round trip (consumer at fetch.max.wait.ms=0)", "lower", 3)
    row("rss_idle", "rss_idle_mib", "RSS idle after startup (MiB)", "lower", 0)
    row("rss_load", "rss_load_mib", "RSS after the load tests (MiB)", "lower", 0)
    row("rss_load", "peak_load_mib", "  peak RSS so far, VmHWM (MiB)", "lower", 0)
    row("restart", "first_record_ms", "restart after kill -9: launch -> first record (ms)", "lower", 0)
    row("restart", "port_open_ms", "  launch -> port open (ms)", "lower", 0)
    row("restart", "records_after", "  records found after restart", "higher", 0)
    # benchmarks/cluster.sh: 3 nodes each
    row("cluster_startup", "first_record_ms", "3 nodes: launch -> first record consumed by a group (ms)", "lower", 0)
    row("cluster_startup", "all_ports_open_ms", "  launch -> all client ports open (ms)", "lower", 0)
    row("cluster_format", "format_ms", "  Kafka only: storage format per node before launch, own JVM (ms)", "info", 0)
    row("cluster_rss_idle", "rss_idle_mib", "RSS per node, idle after startup, mean of 3 (MiB)", "lower", 0)
    row("cluster_rss_idle", "rss_idle_max_mib", "  largest node (MiB)", "lower", 0)
    row("cluster_produce_100B_acksall", "records_per_s", "RF 3: produce 100 B acks=all (records/s)", "higher", 0)
    row("cluster_produce_100B_acksall", "cpu_s_per_mrec", "  broker CPU-s per million records, 3 nodes summed", "lower", 2)
    row("cluster_produce_100B_acksall", "p99_ms", "  producer latency p99 (ms)", "lower", 0)
    row("cluster_produce_1KiB_acksall", "records_per_s", "RF 3: produce 1 KiB acks=all (records/s)", "higher", 0)
    row("cluster_produce_1KiB_acksall", "mb_per_s", "  MB/s", "higher", 1)
    row("cluster_produce_1KiB_acksall", "cpu_s_per_mrec", "  broker CPU-s per million records, 3 nodes summed", "lower", 2)
    row("cluster_e2e_100B_acksall", "p50_ms", "RF 3: end-to-end latency 100 B acks=all, p50 (ms, whole ms)", "lower", 0)
    row("cluster_e2e_100B_acksall", "p99_ms", "  p99 (ms, whole ms)", "lower", 0)
    row("cluster_e2e_100B_acksall", "avg_ms", "  average (ms)", "lower", 2)
    row("cluster_rss_load", "rss_load_mib", "RSS per node after the load tests, mean of 3 (MiB)", "lower", 0)
    row("cluster_rss_load", "rss_load_max_mib", "  largest node (MiB)", "lower", 0)
    row("cluster_failover", "failover_ms", "leader kill -9 -> next acknowledged record, median of the kills (ms)", "lower", 0)
    row("cluster_failover", "failover_max_ms", "  slowest kill (ms)", "lower", 0)
    row("cluster_failover", "acked", "  records acknowledged during the kills", "info", 0)
    row("cluster_failover", "lost", "  of which lost", "info", 0)
    row("cluster_failover", "duplicates", "  duplicated", "info", 0)
}
$1 == "run" {
    delete kv
    for (i = 2; i <= NF; i++) { eq = index($i, "="); kv[substr($i, 1, eq - 1)] = substr($i, eq + 1) }
    k = kv["test"] SUBSEP kv["target"]
    SEEN[kv["test"]] = 1; RUNS[k]++
    if (kv["test"] == "restart" && kv["records_before"] != "") BEFORE = kv["records_before"]
    if (kv["status"] != "ok") next
    OK[k]++
    for (m in kv) if (kv[m] ~ /^-?[0-9.]+$/ && m != "round") VALS[k, m] = VALS[k, m] " " kv[m]
}
END {
    if (BEFORE != "") RL[NROW] = "  records found after restart (of " BEFORE " written)"
    # header
    n = 0
    H[++n] = "metric"; H[++n] = "better"
    for (t = 1; t <= NT; t++) H[++n] = T[t]
    two = (NT == 2 && T[1] == "kafka" && T[2] == "tributary")
    if (two) { H[++n] = "tributary/kafka"; H[++n] = "winner" }
    NC = n
    for (c = 1; c <= NC; c++) W[c] = length(H[c])
    NL = 0
    for (r = 1; r <= NROW; r++) {
        if (!(RT[r] in SEEN)) continue
        NL++; c = 0
        C[NL, ++c] = RL[r]; C[NL, ++c] = (RB[r] == "info" ? "" : RB[r])
        delete MED
        for (t = 1; t <= NT; t++) {
            k = RT[r] SUBSEP T[t]
            if (RUNS[k] == 0) { C[NL, ++c] = "-"; continue }
            if (OK[k] == 0 || !((k, RM[r]) in VALS)) { C[NL, ++c] = (OK[k] == 0 ? "FAILED " : "n/a ") RUNS[k] - OK[k] "/" RUNS[k]; continue }
            m = median(substr(VALS[k, RM[r]], 2)); MED[t] = m
            cell = num(m, RD[r])
            if (OK[k] > 1 && LO != HI) cell = cell " [" num(LO, RD[r]) ".." num(HI, RD[r]) "]"
            if (OK[k] < RUNS[k]) cell = cell " (" OK[k] "/" RUNS[k] " ok)"
            C[NL, ++c] = cell
        }
        if (two) {
            if ((1 in MED) && (2 in MED) && MED[1] != 0 && RB[r] != "info") {
                q = MED[2] / MED[1]
                C[NL, ++c] = sprintf("%.2f", q)
                if (q > 0.95 && q < 1.05) w = "~"
                else if ((q > 1) == (RB[r] == "higher")) w = "tributary"
                else w = "kafka"
                C[NL, ++c] = w
            } else { C[NL, ++c] = ""; C[NL, ++c] = "" }
        }
        for (c = 1; c <= NC; c++) if (length(C[NL, c]) > W[c]) W[c] = length(C[NL, c])
    }
    line = "|"; sep = "|"
    for (c = 1; c <= NC; c++) {
        line = line " " sprintf("%-" W[c] "s", H[c]) " |"
        dashes = sprintf("%" (W[c] + 1) "s", ""); gsub(/ /, "-", dashes)
        sep = sep (c <= 2 ? ":" dashes : dashes ":") "|"
    }
    print line; print sep
    for (l = 1; l <= NL; l++) {
        line = "|"
        for (c = 1; c <= NC; c++) line = line " " sprintf((c <= 2 ? "%-" : "%") W[c] "s", C[l, c]) " |"
        print line
    }
}
