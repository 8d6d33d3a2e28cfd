//! Task definitions loaded and refused as RegisterTaskDefinition would.
use super::*;

#[test]
fn task_sizes_convert_as_ecs_does() {
    assert_eq!(parse_task_cpu("1024"), Ok(1024));
    assert_eq!(parse_task_cpu("1 vCPU"), Ok(1024));
    assert_eq!(parse_task_cpu("0.5 vCPU"), Ok(512));
    assert_eq!(parse_task_cpu(".25 vcpu"), Ok(256));
    assert!(parse_task_cpu("0.3 vCPU").is_err());
    assert!(parse_task_cpu("lots").is_err());
    assert_eq!(parse_task_memory("2048"), Ok(2048));
    assert_eq!(parse_task_memory("2 GB"), Ok(2048));
    assert_eq!(parse_task_memory("2GB"), Ok(2048));
    assert_eq!(parse_task_memory("0.5 GB"), Ok(512));
    assert!(parse_task_memory("-1 GB").is_err());
}

#[test]
fn fargate_table_matches_spec_12_6() {
    // The table `check_fargate` reads.
    let fargate_memory_choices = fargate::valid_memory_mib;
    assert_eq!(fargate_memory_choices(256), Some(vec![512, 1024, 2048]));
    assert_eq!(fargate_memory_choices(1024).map(|c| (c[0], c[c.len() - 1], c.len())), Some((2048, 8192, 7)));
    assert_eq!(fargate_memory_choices(8192).map(|c| (c[0], c[1], c[c.len() - 1])), Some((16384, 20480, 61440)));
    assert_eq!(fargate_memory_choices(16384).map(|c| (c[0], c[1], c[c.len() - 1])), Some((32768, 40960, 122880)));
    assert_eq!(fargate_memory_choices(300), None);
}
