//! The service, behaviour and action parts of a scenario: `[[services]]` (CreateService, from
//! inline keys or a real create-service JSON), each task definition's `behaviour` (how its
//! application starts, fails and stops) and `[[actions]]` (UpdateService, DeleteService,
//! RunTask, StopTask, instance state changes at given times), validated with located errors.

use super::ecs_json;
use super::load::Cx;
use super::service_rules as rules;
use super::toml_model::*;
use crate::ecs::instance_types;
use crate::ecs::scheduler::throttle::ThrottleSchedule;
use crate::ecs::service::{
    CircuitBreaker, DeploymentAlarms, DeploymentConfiguration, DeploymentStrategy, SchedulingStrategy, ServiceDefinition,
};
use crate::ecs::task_def::TaskDefinition;
use crate::elb::config::ElbConfig;
use crate::engine::Span;
use crate::model::diagnostic::Diagnostic;
use crate::model::{Action, ActionKind, Behaviour, ServiceSpec, ServiceTargetGroup, Serving};
use crate::workload::Distribution;
use toml::Spanned;

impl Cx<'_> {
    pub(super) fn build_behaviour(&mut self, raw: &RawBehaviour, serving: Option<&Spanned<RawServing>>) -> Behaviour {
        let health = [("healthy", false), ("unhealthy", true)];
        let container_unhealthy = raw.container_health.as_ref().and_then(|h| self.known(h, "container_health", &health)).unwrap_or(false);
        if let Some(d) = &raw.crash_after {
            if let Err(m) = d.get_ref().validate() {
                self.error_at(d.span(), m, "fix the crash_after distribution");
            }
        }
        let answers = &super::behaviour::ANSWERS;
        let target_health = raw.target_health.as_ref().and_then(|h| self.known(h, "target_health", answers)).unwrap_or_default();
        let health = self.build_health_windows(&raw.health);
        let error_fraction = match &raw.error_fraction {
            Some(f) if !(0.0..=1.0).contains(f.get_ref()) => {
                self.error_at(
                    f.span(),
                    format!("error_fraction {} is outside 0–1", f.get_ref()),
                    "give the fraction of requests that fail, e.g. 0.05",
                );
                0.0
            }
            Some(f) => *f.get_ref(),
            None => 0.0,
        };
        Behaviour {
            fails_to_start_after: raw.fails_to_start_after,
            crash_after: raw.crash_after.as_ref().map(|d| d.get_ref().clone()),
            container_unhealthy,
            exit_after_sigterm: raw.exit_after_sigterm.unwrap_or(Span::ZERO),
            serving: serving.map_or_else(Serving::default, |s| self.build_serving(s)),
            target_health,
            error_fraction,
            health,
            health_check_response_time: raw.health_check_response_time,
            // Resolved against the task definition's containers once those are built.
            container_exits: Vec::new(),
        }
    }

    fn build_serving(&mut self, raw: &Spanned<RawServing>) -> Serving {
        let d = Serving::default();
        let r = raw.get_ref();
        let concurrency = r.concurrency.unwrap_or(d.concurrency);
        if !(1..=100_000).contains(&concurrency) {
            self.error_at(
                raw.span(),
                format!("serving.concurrency {concurrency} is outside 1–100000"),
                "give the number of parallel workers",
            );
        }
        let service_time = r.service_time.clone().unwrap_or(d.service_time);
        if let Err(m) = service_time.validate() {
            self.error_at(raw.span(), format!("serving.service_time: {m}"), "fix the service_time distribution");
        }
        let cpu = r.cpu_per_busy_worker.unwrap_or(d.cpu_per_busy_worker_units);
        if !(cpu.is_finite() && cpu >= 0.0) {
            self.error_at(raw.span(), format!("serving.cpu_per_busy_worker {cpu} must be ≥ 0"), "CPU units; 1024 is one vCPU");
        }
        let per_worker = r.memory_per_busy_worker_mib.unwrap_or(0.0);
        if !(per_worker.is_finite() && per_worker >= 0.0) {
            self.error_at(raw.span(), format!("serving.memory_per_busy_worker_mib {per_worker} must be ≥ 0"), "MiB per busy worker");
        }
        Serving {
            concurrency: concurrency.max(1),
            service_time,
            queue_limit: r.queue_limit,
            cpu_per_busy_worker_units: cpu.max(0.0),
            memory_base_mib: r.memory_base_mib,
            memory_per_busy_worker_mib: per_worker.max(0.0),
        }
    }

    /// Resolves a service's `loadBalancers` (from the scenario or its JSON) against the target
    /// groups, by name or ARN.
    fn build_service_target_groups(&mut self, raw: &RawService, def: &ServiceDefinition, elb: &ElbConfig) -> Vec<ServiceTargetGroup> {
        let known = || elb.target_groups.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        let find = |r: &str| elb.target_groups.iter().position(|t| t.name == r || t.arn == r);
        // (target group, where the scenario names it, container name, container port): the
        // scenario's own `load_balancers` (a missing name is an error), else the JSON's
        // `loadBalancers` (a missing ARN only a warning).
        // The alternate target group and where it is written, then the test and production
        // listener rules (each with where it is written).
        type Named = Option<(String, Option<std::ops::Range<usize>>)>;
        type Alternate<'r> = Option<(&'r String, Option<std::ops::Range<usize>>, Named, Named)>;
        type Entry<'r> = (&'r String, Option<std::ops::Range<usize>>, &'r Option<String>, Option<u16>, Alternate<'r>);
        let entries: Vec<Entry> = match &raw.load_balancers {
            Some(list) => list
                .iter()
                .map(|lb| {
                    let (test, production) = (&lb.test_listener_rule, &lb.production_listener_rule);
                    let named = |r: &Option<Spanned<String>>| r.as_ref().map(|r| (r.get_ref().clone(), Some(r.span())));
                    let alternate =
                        lb.alternate_target_group.as_ref().map(|a| (a.get_ref(), Some(a.span()), named(test), named(production)));
                    (lb.target_group.get_ref(), Some(lb.target_group.span()), &lb.container_name, lb.container_port, alternate)
                })
                .collect(),
            None => def
                .load_balancers
                .iter()
                .filter_map(|lb| {
                    let alternate = lb.advanced.as_ref().map(|a| {
                        let test = a.test_listener_rule.as_ref().map(|r| (r.clone(), None));
                        (&a.alternate_target_group_arn, None, test, Some((a.production_listener_rule.clone(), None)))
                    });
                    Some((lb.target_group_arn.as_ref()?, None, &lb.container_name, lb.container_port, alternate))
                })
                .collect(),
        };
        let mut out = Vec::new();
        for (name, span, container_name, container_port, alternate) in entries {
            let test_listener_rule = alternate.as_ref().and_then(|a| a.2.as_ref().map(|r| r.0.clone()));
            let rules = alternate.as_ref().map(|a| (a.2.clone(), a.3.clone()));
            let alternate = match alternate {
                Some((a, aspan, _, _)) => match (find(a), aspan) {
                    (Some(i), _) => Some(i),
                    (None, Some(aspan)) => {
                        self.error_at(
                            aspan,
                            format!("no target group named {a:?}"),
                            format!("define the alternate target group under [[target_groups]]; defined: {:?}", known()),
                        );
                        None
                    }
                    // The JSON's ARN is not in the scenario: the service runs without a load
                    // balancer (the warning below says so for its primary target group).
                    (None, None) => None,
                },
                None => None,
            };
            match (find(name), span) {
                (Some(i), _) => {
                    if alternate == Some(i) {
                        let span = raw.name.span();
                        self.error_at(
                            span,
                            format!("service {:?}: the alternate target group is its primary target group {name:?}", raw.name.get_ref()),
                            "blue and green revisions need two target groups",
                        );
                    }
                    let json_at = raw.file.as_ref().map_or(raw.name.span(), Spanned::span);
                    let mut resolve = |named: Named, what: &str| {
                        let (rule, span) = named?;
                        self.resolve_listener_rule(&rule, span, json_at.clone(), elb, i, what)
                    };
                    let (test, production) = rules.clone().unwrap_or_default();
                    let test_rule = resolve(test, "test_listener_rule");
                    let production_rule = resolve(production, "production_listener_rule");
                    out.push(ServiceTargetGroup {
                        target_group: i,
                        container_name: container_name.clone(),
                        container_port,
                        alternate,
                        test_listener_rule,
                        production_rule,
                        test_rule,
                    })
                }
                (None, Some(span)) => self.error_at(
                    span,
                    format!("no target group named {name:?}"),
                    format!("define it under [[target_groups]]; defined: {:?}", known()),
                ),
                (None, None) => {
                    // A real service JSON names a real ARN; a scenario that models no load
                    // balancer still runs the service (without one), and says so.
                    let span = raw.file.as_ref().map_or(raw.name.span(), Spanned::span);
                    let (line, col) = self.src.line_col(span.start);
                    self.diags.push(
                        Diagnostic::warning(
                            self.src.path,
                            line,
                            col,
                            format!("the service's loadBalancers name target group {name:?}, which the scenario does not define: the service runs without a load balancer"),
                        )
                        .with_help(format!("add a [[target_groups]] with that name or arn to route traffic to it; defined: {:?}", known())),
                    );
                }
            }
        }
        if def.deployment.strategy != DeploymentStrategy::Rolling {
            if let Some(t) = out.iter().find(|t| t.alternate.is_none()) {
                let tg = &elb.target_groups[t.target_group].name;
                self.error_at(
                    raw.name.span(),
                    format!(
                        "service {:?}: a {} deployment needs an alternate target group for target group {tg:?}",
                        raw.name.get_ref(),
                        def.deployment.strategy.as_str()
                    ),
                    "add alternate_target_group = \"<name>\" to its load_balancers entry (advancedConfiguration.alternateTargetGroupArn)",
                );
            }
        }
        for (i, t) in out.iter().enumerate() {
            if out[..i].iter().any(|o| o.target_group == t.target_group) {
                self.error_at(
                    raw.name.span(),
                    format!("service {:?} names target group {:?} twice", raw.name.get_ref(), elb.target_groups[t.target_group].name),
                    "list each target group once",
                );
            }
        }
        out
    }

    /// Validates a deployment configuration with ECS's limits (`service_rules`).
    pub(super) fn build_deployment(
        &mut self,
        raw: &RawDeploymentConfiguration,
        base: DeploymentConfiguration,
        strategy: SchedulingStrategy,
    ) -> DeploymentConfiguration {
        let mut d = base;
        if let Some(m) = &raw.minimum_healthy_percent {
            if let Some(v) = self.obeys(m.span(), rules::minimum_healthy_percent("minimum_healthy_percent", *m.get_ref())) {
                d.minimum_healthy_percent = v;
            }
        }
        if let Some(m) = &raw.maximum_percent {
            if let Some(v) = self.obeys(m.span(), rules::maximum_percent("maximum_percent", *m.get_ref(), strategy)) {
                d.maximum_percent = v;
            }
        }
        if let Some(cb) = &raw.circuit_breaker {
            d.circuit_breaker = Some(CircuitBreaker { enable: cb.enable, rollback: cb.rollback });
        }
        if let Some(a) = &raw.alarms {
            d.alarms = Some(DeploymentAlarms { alarm_names: a.alarm_names.clone(), enable: a.enable, rollback: a.rollback });
        }
        self.build_strategy(raw, &mut d, strategy);
        d
    }

    pub(super) fn build_service(
        &mut self,
        raw: &RawService,
        tds: &[(String, TaskDefinition)],
        elb: &ElbConfig,
        capacity: &crate::model::CapacitySpec,
    ) -> Option<ServiceSpec> {
        let name = raw.name.get_ref().clone();
        let td_index = self.resolve_task_definition(&raw.task_definition, tds);
        let mut def = match &raw.file {
            Some(file) => {
                let (p, t) = self.read_file(file)?;
                match ecs_json::load_service(&p, &t) {
                    Ok((d, w)) => {
                        self.diags.extend(w);
                        d
                    }
                    Err(e) => {
                        self.diags.extend(e);
                        return None;
                    }
                }
            }
            None => ServiceDefinition {
                service_name: name.clone(),
                task_definition: None,
                desired_count: 0,
                launch_type: crate::ecs::service::LaunchType::Ec2,
                launch_type_given: false,
                capacity_provider_strategy: vec![],
                scheduling_strategy: SchedulingStrategy::Replica,
                deployment: DeploymentConfiguration::default_for(SchedulingStrategy::Replica),
                placement_strategy: vec![],
                placement_constraints: vec![],
                load_balancers: vec![],
                health_check_grace_period_s: 0,
                subnets: vec![],
            },
        };
        def.service_name = name.clone();
        if let Some(s) = &raw.scheduling_strategy {
            def.scheduling_strategy = match s.get_ref().as_str() {
                "REPLICA" => SchedulingStrategy::Replica,
                "DAEMON" => SchedulingStrategy::Daemon,
                other => {
                    self.error_at(s.span(), format!("unknown scheduling_strategy {other:?}"), "use \"REPLICA\" or \"DAEMON\"");
                    return None;
                }
            };
            if raw.file.is_none() {
                def.deployment = DeploymentConfiguration::default_for(def.scheduling_strategy);
            }
        }
        if let Some(n) = raw.desired_count {
            def.desired_count = n;
        }
        if let Some(d) = &raw.deployment {
            def.deployment = self.build_deployment(d, def.deployment.clone(), def.scheduling_strategy);
        }
        let (strategies, constraints) =
            self.build_placement(raw.template.as_ref(), raw.placement_strategy.as_ref(), raw.placement_constraints.as_ref())?;
        if let Some(s) = strategies {
            def.placement_strategy = s;
        }
        if let Some(c) = constraints {
            def.placement_constraints = c;
        }
        if def.scheduling_strategy == SchedulingStrategy::Daemon && !def.placement_strategy.is_empty() {
            let span =
                raw.placement_strategy.as_ref().map(Spanned::span).or(raw.template.as_ref().map(Spanned::span)).unwrap_or(raw.name.span());
            self.error_at(span, rules::DAEMON_PLACEMENT_STRATEGY, rules::DAEMON_PLACEMENT_STRATEGY_HELP);
        }
        if let Some(g) = raw.health_check_grace_period {
            def.health_check_grace_period_s = g.whole_secs().min(2_147_483_647) as u32;
        }
        let target_groups = self.build_service_target_groups(raw, &def, elb);
        let (capacity, zones) = self.build_service_capacity(raw, &def, td_index.map(|i| &tds[i]), capacity);
        let load = raw.load.as_ref().and_then(|l| self.build_service_load(l, def.desired_count, !target_groups.is_empty()));
        Some(ServiceSpec {
            definition: def,
            task_definition: td_index?,
            deregistration_delay: raw.deregistration_delay.unwrap_or(Span::ZERO),
            target_groups,
            created_at: raw.created_at.unwrap_or(Span::ZERO),
            availability_zone_rebalancing: raw.availability_zone_rebalancing,
            capacity,
            zones,
            launch_throttle: self.build_launch_throttle(raw.launch_throttle.as_ref()),
            load,
        })
    }

    /// `launch_throttle` (what-if; ECS has no such setting): off, or the service's own delays.
    fn build_launch_throttle(&mut self, raw: Option<&RawLaunchThrottle>) -> ThrottleSchedule {
        let Some(raw) = raw else { return ThrottleSchedule::default() };
        match (&raw.enabled, &raw.delays) {
            (Some(e), Some(d)) if !*e.get_ref() => {
                self.error_at(d.span(), "delays are given but enabled = false", "remove one of them");
                ThrottleSchedule::off()
            }
            (Some(e), None) if !*e.get_ref() => ThrottleSchedule::off(),
            (_, Some(d)) => {
                if d.get_ref().is_empty() {
                    self.error_at(d.span(), "delays is empty", "give at least one delay (\"0s\" for none), or enabled = false");
                }
                if d.get_ref().iter().any(|s| s.as_micros() % 1_000_000 != 0) {
                    self.error_at(d.span(), "a launch throttle delay is not whole seconds", "use whole seconds, e.g. \"90s\"");
                }
                ThrottleSchedule { delays_s: d.get_ref().iter().map(|s| s.whole_secs()).collect() }
            }
            _ => ThrottleSchedule::default(),
        }
    }

    pub(super) fn build_action(
        &mut self,
        raw: &Spanned<RawAction>,
        services: &[ServiceSpec],
        tds: &[(String, TaskDefinition)],
        instances: usize,
        duration: Span,
        capacity: &crate::model::CapacitySpec,
    ) -> Option<Action> {
        let span = raw.span();
        let service_index = |cx: &mut Self, name: &str, at: Span| -> Option<usize> {
            match services.iter().position(|s| s.definition.service_name == name) {
                None => {
                    let names: Vec<&str> = services.iter().map(|s| s.definition.service_name.as_str()).collect();
                    cx.error_at(
                        span.clone(),
                        format!("no service named {name:?}"),
                        format!("define it under [[services]]; defined: {names:?}"),
                    );
                    None
                }
                Some(i) if at < services[i].created_at => {
                    cx.error_at(
                        span.clone(),
                        format!("the action at {at} comes before service {name:?} is created ({})", services[i].created_at),
                        "move the action after the service's created_at",
                    );
                    None
                }
                Some(i) => Some(i),
            }
        };
        let td_index = |cx: &mut Self, name: &str| -> Option<usize> {
            let i = tds.iter().position(|(n, _)| n == name);
            if i.is_none() {
                let names: Vec<&str> = tds.iter().map(|(n, _)| n.as_str()).collect();
                cx.error_at(span.clone(), format!("no task definition (revision) named {name:?}"), format!("defined: {names:?}"));
            }
            i
        };
        let instance = |cx: &mut Self, i: u32| -> Option<crate::ecs::InstanceId> {
            if (i as usize) < instances {
                Some(crate::ecs::InstanceId(i))
            } else {
                cx.error_at(
                    span.clone(),
                    format!("no instance {i}: the cluster has {instances} at the start"),
                    "instances are numbered from 0 in registration order",
                );
                None
            }
        };
        let (at, kind) = match raw.get_ref() {
            RawAction::UpdateService {
                at,
                service,
                desired_count,
                task_definition,
                deployment,
                placement_strategy,
                force_new_deployment,
            } => {
                let service = service_index(self, service, *at)?;
                let task_definition = match task_definition {
                    Some(t) => Some(td_index(self, t)?),
                    None => None,
                };
                if let (Some(td), Some(c)) = (task_definition, services[service].capacity.as_ref().filter(|c| c.is_fargate())) {
                    let (name, spot) = (services[service].definition.service_name.clone(), c.uses_fargate_spot());
                    self.check_fargate_task_definition(span.clone(), &name, &tds[td].0, &tds[td].1, spot);
                }
                let spec = &services[service].definition;
                let deployment = deployment
                    .as_ref()
                    .map(|d| self.build_deployment(&d.located(span.clone()), spec.deployment.clone(), spec.scheduling_strategy));
                if let Err(p) = rules::placement_strategy_count(placement_strategy.as_ref().map_or(0, Vec::len)) {
                    self.error_at(span.clone(), p.message, p.help);
                }
                if spec.scheduling_strategy == SchedulingStrategy::Daemon && placement_strategy.as_ref().is_some_and(|s| !s.is_empty()) {
                    self.error_at(span.clone(), rules::DAEMON_PLACEMENT_STRATEGY, rules::DAEMON_PLACEMENT_STRATEGY_HELP);
                }
                (
                    *at,
                    ActionKind::UpdateService {
                        service,
                        desired_count: *desired_count,
                        task_definition,
                        deployment,
                        placement_strategy: placement_strategy.clone(),
                        force_new_deployment: *force_new_deployment,
                    },
                )
            }
            RawAction::DeleteService { at, service } => (*at, ActionKind::DeleteService { service: service_index(self, service, *at)? }),
            RawAction::RunTask { at, task_definition, count, group, run_time } => {
                let td = td_index(self, task_definition)?;
                if !(1..=10).contains(count) {
                    self.error_at(span.clone(), format!("count {count} is outside RunTask's 1–10"), "use 1 to 10");
                }
                let group = group.clone().unwrap_or_else(|| tds[td].1.default_group());
                let run_time = run_time.clone().unwrap_or(Distribution::Constant { value: Span::from_secs(86_400 * 365) });
                (*at, ActionKind::RunTask { task_definition: td, count: *count, group, run_time })
            }
            RawAction::ProtectTask { at, service, index, expires_in } => {
                let expires_in = expires_in.unwrap_or(Span::from_secs(7200));
                if !(Span::from_secs(60)..=Span::from_secs(2880 * 60)).contains(&expires_in) {
                    self.error_at(
                        span.clone(),
                        format!("expires_in {expires_in} is outside 1–2880 minutes"),
                        "ECS accepts 1 to 2880 minutes",
                    );
                }
                (*at, ActionKind::ProtectTask { service: service_index(self, service, *at)?, index: *index, expires_in })
            }
            RawAction::StopTask { at, service, index } => {
                (*at, ActionKind::StopTask { service: service_index(self, service, *at)?, index: *index })
            }
            RawAction::DrainInstance { at, instance: i } => (*at, ActionKind::DrainInstance { instance: instance(self, *i)? }),
            RawAction::ActivateInstance { at, instance: i } => (*at, ActionKind::ActivateInstance { instance: instance(self, *i)? }),
            RawAction::DeregisterInstance { at, instance: i } => (*at, ActionKind::DeregisterInstance { instance: instance(self, *i)? }),
            RawAction::TerminateInstance { at, instance: i } => (*at, ActionKind::TerminateInstance { instance: instance(self, *i)? }),
            RawAction::SetAlarmState { at, alarm, state } => {
                let in_alarm = match state.as_str() {
                    "ALARM" => true,
                    "OK" | "INSUFFICIENT_DATA" => false,
                    other => {
                        self.error_at(
                            span.clone(),
                            format!("unknown alarm state {other:?}"),
                            "use \"ALARM\", \"OK\" or \"INSUFFICIENT_DATA\"",
                        );
                        return None;
                    }
                };
                (*at, ActionKind::SetAlarmState { alarm: alarm.clone(), in_alarm })
            }
            RawAction::SetDesiredCapacity { at, group, desired } => {
                let Some(g) = capacity.groups.iter().position(|g| g.config.name == *group) else {
                    let names: Vec<&str> = capacity.groups.iter().map(|g| g.config.name.as_str()).collect();
                    self.error_at(
                        span.clone(),
                        format!("no Auto Scaling group named {group:?}"),
                        format!("define it under [[auto_scaling_groups]]; defined: {names:?}"),
                    );
                    return None;
                };
                let c = &capacity.groups[g].config;
                if !(c.min_size..=c.max_size).contains(desired) {
                    self.error_at(
                        span.clone(),
                        format!("desired {desired} is outside the group's [{}, {}]", c.min_size, c.max_size),
                        "SetDesiredCapacity must stay within MinSize and MaxSize",
                    );
                }
                (*at, ActionKind::SetDesiredCapacity { group: g, desired: *desired })
            }
            RawAction::RegisterInstance { at, instance_type, zone, count } => {
                let Some(t) = instance_types::lookup(instance_type) else {
                    self.error_at(
                        span.clone(),
                        format!("unknown instance type {instance_type:?}"),
                        instance_types::unknown_type_help(instance_type),
                    );
                    return None;
                };
                (*at, ActionKind::RegisterInstance { instance_type: t, zone: zone.clone(), count: *count })
            }
        };
        if at > duration {
            let (line, col) = self.src.line_col(span.start);
            self.diags.push(Diagnostic::warning(
                self.src.path,
                line,
                col,
                format!("the action at {at} is after the end of the run ({duration}) and never happens"),
            ));
        }
        Some(Action { at, kind })
    }
}
