//! The member names of every ECS JSON object the importers read, and what ecsim does with
//! each (see the field policy in `ecs_json`). Names follow the ECS API reference
//! (RegisterTaskDefinition, DescribeTaskDefinition, CreateService, DescribeServices,
//! DescribeContainerInstances, DescribeTasks).

/// What a member's value looks like, for the walk to descend into it.
pub(in crate::scenario) enum Shape {
    Leaf,
    Object(&'static Schema),
    /// An array of objects of this schema.
    ArrayOf(&'static Schema),
}

pub(in crate::scenario) enum Field {
    /// Read and validated by ecsim.
    Modelled(Shape),
    /// Part of the AWS API but not simulated: a warning when set to something.
    Unmodelled,
    /// Output-only, computed by ECS (ARNs, timestamps, ...): accepted silently.
    Derived,
}

pub(in crate::scenario) struct Schema {
    /// How messages name an object of this kind ("a container definition").
    pub what: &'static str,
    pub fields: &'static [(&'static str, Field)],
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
    }
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().map(|(n, _)| *n)
    }
}

use Field::{Derived, Modelled, Unmodelled};
use Shape::{ArrayOf, Leaf, Object};

const M: Field = Modelled(Leaf);

// ---- task definitions ----

pub(super) static DESCRIBE_TASK_DEFINITION: Schema = Schema {
    what: "DescribeTaskDefinition output",
    fields: &[("taskDefinition", Modelled(Object(&TASK_DEFINITION))), ("tags", Unmodelled)],
};

pub(super) static TASK_DEFINITION: Schema = Schema {
    what: "a task definition",
    fields: &[
        ("family", M),
        ("revision", M),
        ("status", M),
        ("networkMode", M),
        ("requiresCompatibilities", M),
        ("cpu", M),
        ("memory", M),
        ("containerDefinitions", Modelled(ArrayOf(&CONTAINER))),
        ("placementConstraints", Modelled(ArrayOf(&TD_PLACEMENT_CONSTRAINT))),
        ("requiresAttributes", Modelled(ArrayOf(&ATTRIBUTE))),
        ("taskRoleArn", Unmodelled),
        ("executionRoleArn", Unmodelled),
        ("volumes", Unmodelled),
        ("tags", Unmodelled),
        ("pidMode", Unmodelled),
        ("ipcMode", Unmodelled),
        ("proxyConfiguration", Unmodelled),
        ("inferenceAccelerators", Unmodelled),
        ("ephemeralStorage", Unmodelled),
        ("runtimePlatform", Modelled(Object(&RUNTIME_PLATFORM))),
        ("enableFaultInjection", Unmodelled),
        ("taskDefinitionArn", Derived),
        ("compatibilities", Derived),
        ("registeredAt", Derived),
        ("registeredBy", Derived),
        ("deregisteredAt", Derived),
    ],
};

pub(super) static CONTAINER: Schema = Schema {
    what: "a container definition",
    fields: &[
        ("name", M),
        ("image", M),
        ("cpu", M),
        ("memory", M),
        ("memoryReservation", M),
        ("essential", M),
        ("portMappings", Modelled(ArrayOf(&PORT_MAPPING))),
        ("healthCheck", Modelled(Object(&HEALTH_CHECK))),
        ("stopTimeout", M),
        ("startTimeout", M),
        ("resourceRequirements", Modelled(ArrayOf(&RESOURCE_REQUIREMENT))),
        ("repositoryCredentials", Unmodelled),
        ("links", Unmodelled),
        ("restartPolicy", Unmodelled),
        ("entryPoint", Unmodelled),
        ("command", Unmodelled),
        ("environment", Unmodelled),
        ("environmentFiles", Unmodelled),
        ("mountPoints", Unmodelled),
        ("volumesFrom", Unmodelled),
        ("linuxParameters", Unmodelled),
        ("secrets", Unmodelled),
        ("dependsOn", Unmodelled),
        ("versionConsistency", Unmodelled),
        ("hostname", Unmodelled),
        ("user", Unmodelled),
        ("workingDirectory", Unmodelled),
        ("disableNetworking", Unmodelled),
        ("privileged", Unmodelled),
        ("readonlyRootFilesystem", Unmodelled),
        ("dnsServers", Unmodelled),
        ("dnsSearchDomains", Unmodelled),
        ("extraHosts", Unmodelled),
        ("dockerSecurityOptions", Unmodelled),
        ("interactive", Unmodelled),
        ("pseudoTerminal", Unmodelled),
        ("dockerLabels", Unmodelled),
        ("ulimits", Unmodelled),
        ("logConfiguration", Unmodelled),
        ("systemControls", Unmodelled),
        ("firelensConfiguration", Unmodelled),
        ("credentialSpecs", Unmodelled),
    ],
};

static PORT_MAPPING: Schema = Schema {
    what: "a port mapping",
    fields: &[
        ("containerPort", M),
        ("hostPort", M),
        ("protocol", M),
        ("name", Unmodelled),
        ("appProtocol", Unmodelled),
        ("containerPortRange", Unmodelled),
    ],
};

static HEALTH_CHECK: Schema = Schema {
    what: "a container health check",
    fields: &[("command", M), ("interval", M), ("timeout", M), ("retries", M), ("startPeriod", M)],
};

static RUNTIME_PLATFORM: Schema = Schema { what: "a runtime platform", fields: &[("cpuArchitecture", M), ("operatingSystemFamily", M)] };

static RESOURCE_REQUIREMENT: Schema = Schema { what: "a resource requirement", fields: &[("type", M), ("value", M)] };

static TD_PLACEMENT_CONSTRAINT: Schema =
    Schema { what: "a task definition placement constraint", fields: &[("type", M), ("expression", M)] };

static ATTRIBUTE: Schema =
    Schema { what: "an attribute", fields: &[("name", M), ("value", M), ("targetType", Derived), ("targetId", Derived)] };

// ---- services ----

pub(in crate::scenario) static CAPACITY_PROVIDER_STRATEGY_ITEM: Schema =
    Schema { what: "a capacity provider strategy item", fields: &[("capacityProvider", M), ("base", M), ("weight", M)] };

pub(super) static CREATE_SERVICE_OUTPUT: Schema =
    Schema { what: "CreateService output", fields: &[("service", Modelled(Object(&SERVICE)))] };

pub(super) static DESCRIBE_SERVICES: Schema =
    Schema { what: "DescribeServices output", fields: &[("services", Modelled(ArrayOf(&SERVICE))), ("failures", M)] };

pub(super) static SERVICE: Schema = Schema {
    what: "a service definition",
    fields: &[
        ("serviceName", M),
        ("taskDefinition", M),
        ("desiredCount", M),
        ("launchType", M),
        ("schedulingStrategy", M),
        ("deploymentConfiguration", Modelled(Object(&DEPLOYMENT_CONFIGURATION))),
        ("deploymentController", Modelled(Object(&DEPLOYMENT_CONTROLLER))),
        ("placementStrategy", Modelled(ArrayOf(&PLACEMENT_STRATEGY))),
        ("placementConstraints", Modelled(ArrayOf(&PLACEMENT_CONSTRAINT))),
        ("loadBalancers", Modelled(ArrayOf(&LOAD_BALANCER))),
        ("healthCheckGracePeriodSeconds", M),
        ("networkConfiguration", Modelled(Object(&NETWORK_CONFIGURATION))),
        ("capacityProviderStrategy", Modelled(ArrayOf(&CAPACITY_PROVIDER_STRATEGY_ITEM))),
        ("cluster", Unmodelled),
        ("platformVersion", Unmodelled),
        ("role", Unmodelled),
        ("tags", Unmodelled),
        ("enableECSManagedTags", Unmodelled),
        ("propagateTags", Unmodelled),
        ("enableExecuteCommand", Unmodelled),
        ("serviceRegistries", Unmodelled),
        ("serviceConnectConfiguration", Unmodelled),
        ("volumeConfigurations", Unmodelled),
        ("vpcLatticeConfigurations", Unmodelled),
        ("availabilityZoneRebalancing", Unmodelled),
        ("clientToken", Unmodelled),
        // DescribeServices output: state the simulation starts from scratch.
        ("runningCount", Unmodelled),
        ("pendingCount", Unmodelled),
        ("deployments", Unmodelled),
        ("events", Unmodelled),
        ("taskSets", Unmodelled),
        ("currentServiceDeployment", Unmodelled),
        ("currentServiceRevisions", Unmodelled),
        ("serviceArn", Derived),
        ("clusterArn", Derived),
        ("status", Derived),
        ("roleArn", Derived),
        ("createdAt", Derived),
        ("createdBy", Derived),
        ("platformFamily", Derived),
        ("resourceManagementType", Derived),
    ],
};

static DEPLOYMENT_CONFIGURATION: Schema = Schema {
    what: "a deployment configuration",
    fields: &[
        ("maximumPercent", M),
        ("minimumHealthyPercent", M),
        ("deploymentCircuitBreaker", Modelled(Object(&CIRCUIT_BREAKER))),
        ("alarms", Modelled(Object(&DEPLOYMENT_ALARMS))),
        ("strategy", M),
        ("bakeTimeInMinutes", M),
        ("lifecycleHooks", Modelled(ArrayOf(&LIFECYCLE_HOOK))),
        ("linearConfiguration", Modelled(Object(&LINEAR_CONFIGURATION))),
        ("canaryConfiguration", Modelled(Object(&CANARY_CONFIGURATION))),
    ],
};

static LIFECYCLE_HOOK: Schema = Schema {
    what: "a deployment lifecycle hook",
    fields: &[("hookTargetArn", M), ("roleArn", M), ("lifecycleStages", M), ("hookDetails", Derived)],
};

static LINEAR_CONFIGURATION: Schema =
    Schema { what: "a linear configuration", fields: &[("stepPercent", M), ("stepBakeTimeInMinutes", M)] };

static CANARY_CONFIGURATION: Schema =
    Schema { what: "a canary configuration", fields: &[("canaryPercent", M), ("canaryBakeTimeInMinutes", M)] };

static ADVANCED_CONFIGURATION: Schema = Schema {
    what: "a load balancer's advanced configuration",
    fields: &[("alternateTargetGroupArn", M), ("productionListenerRule", M), ("testListenerRule", M), ("roleArn", M)],
};

static CIRCUIT_BREAKER: Schema = Schema { what: "a deployment circuit breaker", fields: &[("enable", M), ("rollback", M)] };

static DEPLOYMENT_ALARMS: Schema = Schema { what: "deployment alarms", fields: &[("alarmNames", M), ("enable", M), ("rollback", M)] };

static DEPLOYMENT_CONTROLLER: Schema = Schema { what: "a deployment controller", fields: &[("type", M)] };

static PLACEMENT_STRATEGY: Schema = Schema { what: "a placement strategy", fields: &[("type", M), ("field", M)] };

static PLACEMENT_CONSTRAINT: Schema = Schema { what: "a placement constraint", fields: &[("type", M), ("expression", M)] };

static LOAD_BALANCER: Schema = Schema {
    what: "a load balancer",
    fields: &[
        ("targetGroupArn", M),
        ("loadBalancerName", M),
        ("containerName", M),
        ("containerPort", M),
        ("advancedConfiguration", Modelled(Object(&ADVANCED_CONFIGURATION))),
    ],
};

static NETWORK_CONFIGURATION: Schema =
    Schema { what: "a network configuration", fields: &[("awsvpcConfiguration", Modelled(Object(&AWSVPC_CONFIGURATION)))] };

static AWSVPC_CONFIGURATION: Schema =
    Schema { what: "an awsvpc configuration", fields: &[("subnets", M), ("securityGroups", Unmodelled), ("assignPublicIp", Unmodelled)] };

// ---- cluster state ----

pub(super) static DESCRIBE_CONTAINER_INSTANCES: Schema = Schema {
    what: "describe-container-instances output",
    fields: &[("containerInstances", Modelled(ArrayOf(&CONTAINER_INSTANCE))), ("failures", M), ("nextToken", Derived)],
};

static CONTAINER_INSTANCE: Schema = Schema {
    what: "a container instance",
    fields: &[
        ("containerInstanceArn", M),
        ("ec2InstanceId", M),
        ("status", M),
        ("agentConnected", M),
        ("versionInfo", Modelled(Object(&VERSION_INFO))),
        ("registeredAt", M),
        ("registeredResources", Modelled(ArrayOf(&RESOURCE))),
        ("remainingResources", Modelled(ArrayOf(&RESOURCE))),
        ("attributes", Modelled(ArrayOf(&ATTRIBUTE))),
        ("runningTasksCount", M),
        ("pendingTasksCount", M),
        // ContainerInstance has no capacity-provider field yet.
        ("capacityProviderName", Unmodelled),
        ("healthStatus", Unmodelled),
        ("version", Derived),
        ("statusReason", Derived),
        ("agentUpdateStatus", Derived),
        ("attachments", Derived),
        ("tags", Derived),
        // Present when the object is an EventBridge "Container Instance State Change" detail.
        ("clusterArn", Derived),
        ("updatedAt", Derived),
    ],
};

static VERSION_INFO: Schema =
    Schema { what: "versionInfo", fields: &[("agentVersion", M), ("agentHash", Derived), ("dockerVersion", Derived)] };

static RESOURCE: Schema = Schema {
    what: "a resource",
    fields: &[("name", M), ("type", M), ("integerValue", M), ("longValue", M), ("doubleValue", M), ("stringSetValue", M)],
};

pub(super) static DESCRIBE_TASKS: Schema =
    Schema { what: "describe-tasks output", fields: &[("tasks", Modelled(ArrayOf(&TASK))), ("failures", M), ("nextToken", Derived)] };

static TASK: Schema = Schema {
    what: "a task",
    fields: &[
        ("taskArn", M),
        ("containerInstanceArn", M),
        ("group", M),
        ("lastStatus", M),
        ("desiredStatus", M),
        ("launchType", M),
        ("taskDefinitionArn", M),
        ("attachments", Modelled(ArrayOf(&ATTACHMENT))),
        ("containers", Unmodelled),
        ("overrides", Unmodelled),
        ("capacityProviderName", Unmodelled),
        ("healthStatus", Unmodelled),
        // cpu/memory are already subtracted in remainingResources (see `load_tasks`).
        ("cpu", Derived),
        ("memory", Derived),
        ("attributes", Derived),
        ("availabilityZone", Derived),
        ("clusterArn", Derived),
        ("connectivity", Derived),
        ("connectivityAt", Derived),
        ("createdAt", Derived),
        ("enableExecuteCommand", Derived),
        ("executionStoppedAt", Derived),
        ("inferenceAccelerators", Derived),
        ("platformVersion", Derived),
        ("platformFamily", Derived),
        ("pullStartedAt", Derived),
        ("pullStoppedAt", Derived),
        ("startedAt", Derived),
        ("startedBy", Derived),
        ("stopCode", Derived),
        ("stoppedAt", Derived),
        ("stoppedReason", Derived),
        ("stoppingAt", Derived),
        ("tags", Derived),
        ("version", Derived),
        ("ephemeralStorage", Derived),
        ("fargateEphemeralStorage", Derived),
    ],
};

static ATTACHMENT: Schema =
    Schema { what: "an attachment", fields: &[("type", M), ("id", Derived), ("status", Derived), ("details", Derived)] };
