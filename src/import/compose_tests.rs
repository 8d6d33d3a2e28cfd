use super::*;

fn node(text: &str) -> Node {
    yaml::parse(Path::new("t.yml"), text).unwrap()
}

#[test]
fn compose_sizes_are_bytes_in_powers_of_1024() {
    assert_eq!(bytes(&node("512M")), Some(512 * 1024 * 1024));
    assert_eq!(bytes(&node("2GB")), Some(2 * 1024 * 1024 * 1024));
    assert_eq!(bytes(&node("500m")), Some(500 * 1024 * 1024));
    assert_eq!(bytes(&node("524288000")), Some(524_288_000));
    assert_eq!(bytes(&node("1.5g")), Some(1_610_612_736));
    assert_eq!(bytes(&node("lots")), None);
}

#[test]
fn compose_ports_short_and_long() {
    let p = port(&node("\"127.0.0.1:8080:80/udp\"")).unwrap();
    assert_eq!((p.published, p.target, p.protocol.as_str()), (Some(8080), 80, "udp"));
    assert_eq!(port(&node("\"3000\"")).unwrap().published, None);
    let long = port(&node("{target: 8080, x-aws-protocol: http}")).unwrap();
    assert_eq!((long.target, long.aws_protocol.as_deref()), (8080, Some("http")));
    assert!(port(&node("\"3000-3005\"")).is_none());
}

#[test]
fn compose_health_checks_as_ecs_reads_them() {
    let hc = health_check(&node(
        "{test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"], interval: 1m30s, timeout: 10s, retries: 3, start_period: 40s}",
    ))
    .unwrap();
    assert_eq!((hc["interval"].as_i64(), hc["timeout"].as_i64(), hc["startPeriod"].as_i64()), (Some(90), Some(10), Some(40)));
    let shell = health_check(&node("{test: curl -f http://localhost}")).unwrap();
    assert_eq!(shell["command"][0].as_str(), Some("CMD-SHELL"));
    assert!(health_check(&node("{disable: true}")).is_none());
    assert!(health_check(&node("{test: [\"NONE\"]}")).is_none());
}
