//! The validated model (`ecsim::model`): variants, a service's capacity, behaviour over time.

mod scenario {
    use ecsim::ecs::placement::{BinpackField, SpreadField, Strategy, TieBreak};
    use ecsim::ecs::service::{DeploymentConfiguration, LaunchType, SchedulingStrategy, ServiceDefinition};
    use ecsim::ecs::Cluster;
    use ecsim::engine::Span;
    use ecsim::model::*;
    use ecsim::workload::Arrivals;
    use std::path::PathBuf;

    fn service(name: &str, scheduling: SchedulingStrategy) -> ServiceSpec {
        ServiceSpec {
            definition: ServiceDefinition {
                service_name: name.to_string(),
                task_definition: None,
                desired_count: 2,
                launch_type: LaunchType::Ec2,
                launch_type_given: false,
                capacity_provider_strategy: Vec::new(),
                scheduling_strategy: scheduling,
                deployment: DeploymentConfiguration::default_for(scheduling),
                placement_strategy: vec![Strategy::Spread(SpreadField::InstanceId)],
                placement_constraints: Vec::new(),
                load_balancers: Vec::new(),
                health_check_grace_period_s: 0,
                subnets: Vec::new(),
            },
            task_definition: 0,
            deregistration_delay: Span::ZERO,
            target_groups: Vec::new(),
            created_at: Span::ZERO,
            availability_zone_rebalancing: false,
            capacity: None,
            zones: Vec::new(),
            launch_throttle: ecsim::ecs::scheduler::throttle::ThrottleSchedule::default(),
            load: None,
        }
    }

    fn scenario() -> Scenario {
        Scenario {
            name: "t".into(),
            description: String::new(),
            source: PathBuf::from("t.toml"),
            sha256: String::new(),
            duration: Span::from_secs(60),
            seed: 1,
            tie_break: TieBreak::First,
            explain_placements: false,
            cluster: Cluster::new("c"),
            task_definitions: Vec::new(),
            workloads: vec![Workload {
                name: "batch".into(),
                task_definition: 0,
                group: "g".into(),
                arrivals: Arrivals::Times { at: vec![Span::ZERO] },
                count: 1,
                run_time: default_start_delay(),
                strategies: Vec::new(),
                constraints: Vec::new(),
                on_unplaceable: Unplaceable::Fail,
            }],
            lifecycle: Lifecycle::default(),
            variants: Vec::new(),
            task_definition_names: Vec::new(),
            behaviours: Vec::new(),
            services: vec![service("web", SchedulingStrategy::Replica), service("agent", SchedulingStrategy::Daemon)],
            actions: Vec::new(),
            elb: ecsim::elb::config::ElbConfig::default(),
            traffic: Vec::new(),
            alarms: Vec::new(),
            scaling: Vec::new(),
            metric_delay: Span::ZERO,
            capacity: CapacitySpec::default(),
            faults: Vec::new(),
            slo: ecsim::faults::Slo::default(),
            lesson: None,
            warnings: Diagnostics::default(),
        }
    }

    #[test]
    fn a_variant_changes_workloads_and_replica_services_but_never_a_daemon() {
        let base = scenario();
        let binpack = vec![Strategy::Binpack(BinpackField::Memory)];
        let v = Variant {
            name: "binpack".into(),
            strategies: Some(binpack.clone()),
            constraints: None,
            capacity: Some(Some(ServiceCapacity::fargate_launch_type())),
        };
        let s = base.with_variant(&v);
        assert_eq!(s.workloads[0].strategies, binpack);
        assert_eq!(s.services[0].definition.placement_strategy, binpack);
        assert_eq!(s.services[0].capacity, Some(ServiceCapacity::fargate_launch_type()));
        // A DAEMON places one task per instance: neither its placement nor its capacity moves.
        assert_eq!(s.services[1].definition.placement_strategy, base.services[1].definition.placement_strategy);
        assert_eq!(s.services[1].capacity, None);
        // A variant that keeps the workload's own placement leaves it alone.
        let keep = Variant { name: "keep".into(), strategies: None, constraints: None, capacity: None };
        assert_eq!(base.with_variant(&keep).services[0].definition.placement_strategy, base.services[0].definition.placement_strategy);
    }

    #[test]
    fn the_fargate_launch_type_is_one_on_demand_target() {
        let f = ServiceCapacity::fargate_launch_type();
        assert!(f.is_fargate() && !f.uses_fargate_spot());
        assert_eq!(f.choose(&[7]), 0, "no strategy: always the one target");
        let spot = ServiceCapacity { strategy: None, targets: vec![CapacityTarget::Provider(0), CapacityTarget::Fargate { spot: true }] };
        assert!(spot.is_fargate() && spot.uses_fargate_spot());
        let ec2 = ServiceCapacity { strategy: None, targets: vec![CapacityTarget::Provider(0)] };
        assert!(!ec2.is_fargate());
        // Capacity is in use with groups, or with a service that is not the EC2 launch type.
        let spec = CapacitySpec::default();
        let mut services = vec![scenario().services[0].clone()];
        assert!(!spec.in_use(&services));
        services[0].capacity = Some(f);
        assert!(spec.in_use(&services));
    }
}

mod behaviour {
    use ecsim::engine::{SimTime, Span};
    use ecsim::model::behaviour::*;

    fn window(clock: HealthClock, start_s: u64, end_s: Option<u64>, answer: HealthAnswer, only: Option<CheckKind>) -> HealthWindow {
        HealthWindow { clock, start: Span::from_secs(start_s), end: end_s.map(Span::from_secs), answer, response_time: None, only }
    }

    #[test]
    fn windows_are_half_open_the_first_open_one_wins_and_checks_filter_them() {
        // RUNNING at 10 s; errors from 33 s to 75 s after the start (absolute [43 s, 85 s)), then
        // from 2 min of the run the load balancer's check hangs (the container's is unaffected).
        let b = Behaviour {
            health: vec![
                window(HealthClock::SinceRunning, 33, Some(75), HealthAnswer::Error, None),
                window(HealthClock::Absolute, 120, None, HealthAnswer::Hang, Some(CheckKind::Target)),
            ],
            health_check_response_time: Some(Span::from_secs(2)),
            ..Behaviour::default()
        };
        let at = |s: u64, kind| b.health_at(kind, SimTime::ZERO + Span::from_secs(s), Some(SimTime::ZERO + Span::from_secs(10))).0;
        assert_eq!(at(42, CheckKind::Target), HealthAnswer::Healthy);
        assert_eq!(at(43, CheckKind::Target), HealthAnswer::Error, "opens at R + 33 s");
        assert_eq!(at(84, CheckKind::Container), HealthAnswer::Error);
        assert_eq!(at(85, CheckKind::Target), HealthAnswer::Healthy, "closed at R + 75 s");
        assert_eq!(at(120, CheckKind::Target), HealthAnswer::Hang);
        assert_eq!(at(120, CheckKind::Container), HealthAnswer::Healthy, "a target-only window");
        // The revision's response time applies to both checks; no RUNNING, no relative window.
        let (answer, response) = b.health_at(CheckKind::Container, SimTime::ZERO + Span::from_secs(50), None);
        assert_eq!((answer, response), (HealthAnswer::Healthy, Span::from_secs(2)));
        assert!(b.health_varies(CheckKind::Container) && b.health_varies(CheckKind::Target));
        // Without anything said: 10 ms for the load balancer's check, at once for a container's.
        let plain = Behaviour::default();
        assert_eq!(plain.health_at(CheckKind::Target, SimTime::ZERO, None).1, Span::from_millis(10));
        assert_eq!(plain.health_at(CheckKind::Container, SimTime::ZERO, None).1, Span::ZERO);
        assert!(!plain.health_varies(CheckKind::Container));
    }
}
