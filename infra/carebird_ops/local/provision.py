"""Create every resource of the transformed template in the local AWS emulator, through the AWS APIs.

This is a small CloudFormation: it orders resources by their references, resolves intrinsics, and calls
the service APIs that CloudFormation would. A resource type it does not know is an error, never a skip:
whatever template.yaml declares exists locally, or `carebird local up` says why not.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import boto3

from carebird_ops.local.intrinsics import Resolver, references
from carebird_ops.local.template import LOCAL_CODE_BUCKET, LocalTemplate

ACCOUNT_ID = "123456789012"


class ProvisionError(RuntimeError):
    pass


@dataclass
class LocalFunction:
    """What the local Lambda runner needs to run one function from the source tree."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    runtime: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    layer_dirs: list[Path]
    reserved_concurrency: int | None = None


@dataclass
class Schedule:
    rule_name: str
    expression: str
    target_arns: list[str]


@dataclass
class HttpApi:
    """An HTTP API (AWS::ApiGatewayV2::Api) and one of its stages, as the local gateway serves it."""

    logical_id: str
    api_id: str
    stage: str
    body: dict[str, Any]  # the OpenAPI 3 document SAM generated, with integrations and authorizers resolved


@dataclass
class Deployment:
    stack_name: str
    region: str
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> Ref value
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # logical id -> GetAtt values
    functions: dict[str, LocalFunction] = field(default_factory=dict)  # by function name
    schedules: list[Schedule] = field(default_factory=list)
    schedule_groups: list[str] = field(default_factory=list)  # EventBridge Scheduler's
    apis: list[HttpApi] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)


class Provisioner:
    def __init__(
        self,
        template: LocalTemplate,
        endpoint_url: str,
        region: str = "us-east-1",
        stack_name: str = "carebird",
        parameter_overrides: dict[str, str] | None = None,
    ) -> None:
        self.template = template
        self.region = region
        self.endpoint_url = endpoint_url
        self.deployment = Deployment(stack_name=stack_name, region=region)
        self._session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=region
        )
        self._clients: dict[str, Any] = {}
        self._layer_dirs_by_arn: dict[str, Path] = {}
        self._apis_pending: dict[str, HttpApi] = {}
        params = self._parameter_values(parameter_overrides or {})
        self.resolver = Resolver(params, template.conditions, self._ref, self._get_att)
        self._creators: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::IAM::Role": self._role,
            "AWS::Lambda::LayerVersion": self._layer,
            "AWS::Lambda::Function": self._function,
            "AWS::Lambda::Permission": self._permission,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Events::Rule": self._rule,
            "AWS::Scheduler::ScheduleGroup": self._schedule_group,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::ApiGatewayV2::Api": self._http_api,
            "AWS::ApiGatewayV2::Stage": self._http_api_stage,
            "AWS::SQS::Queue": self._queue,
            "AWS::S3::Bucket": self._bucket,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
        }

    # ------------------------------------------------------------------ driver
    def deploy(self) -> Deployment:
        resources = self.template.resources
        unknown = sorted({r["Type"] for r in resources.values()} - set(self._creators))
        if unknown:
            raise ProvisionError(
                f"template.yaml declares resource types the local stack cannot create: {unknown}"
            )
        graph: dict[str, set[str]] = {}
        for logical_id, resource in resources.items():
            deps = references(resource.get("Properties", {})) & set(resources)
            depends_on = resource.get("DependsOn", [])
            deps |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
            graph[logical_id] = deps
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise ProvisionError(f"circular references in template: {exc.args[1]}") from exc

        self._client("s3").create_bucket(Bucket=LOCAL_CODE_BUCKET)
        for logical_id in order:
            resource = resources[logical_id]
            condition = resource.get("Condition")
            if condition and not self.resolver.condition(condition):
                continue
            props = self.resolver.resolve(resource.get("Properties", {}))
            try:
                self._creators[resource["Type"]](logical_id, props)
            except ProvisionError:
                raise
            except Exception as exc:
                raise ProvisionError(f"{logical_id} ({resource['Type']}): {exc}") from exc
        return self.deployment

    def _parameter_values(self, overrides: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.deployment.stack_name,
            "AWS::StackId": self._arn("cloudformation", f"stack/{self.deployment.stack_name}/local"),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        unknown = set(overrides) - set(self.template.parameters)
        if unknown:
            raise ProvisionError(f"unknown template parameters: {sorted(unknown)}")
        for name, spec in self.template.parameters.items():
            if name in overrides:
                values[name] = overrides[name]
            elif "Default" in spec:
                values[name] = spec["Default"]
            else:
                raise ProvisionError(f"template parameter {name} has no default; pass a value")
        return values

    def _ref(self, logical_id: str) -> str:
        try:
            return self.deployment.physical[logical_id]
        except KeyError:
            raise ProvisionError(
                f"Ref to {logical_id}, which is not created (or its condition is false)"
            ) from None

    def _get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.deployment.attributes[logical_id][attribute]
        except KeyError:
            raise ProvisionError(f"GetAtt {logical_id}.{attribute} is not available locally") from None

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]
        return self._clients[service]

    def _name(self, logical_id: str, props: dict[str, Any], key: str) -> str:
        return str(props.get(key) or f"{self.deployment.stack_name}-{logical_id}")

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"

    def _record(self, logical_id: str, ref: str, **attributes: str) -> None:
        self.deployment.physical[logical_id] = ref
        self.deployment.attributes[logical_id] = attributes

    # ------------------------------------------------------------------ creators
    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "TableName")
        ddb = self._client("dynamodb")
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        for key in (
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "StreamSpecification",
            "ProvisionedThroughput",
        ):
            if key in props:
                args[key] = props[key]
        if "SSESpecification" in props:
            args["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
        table = ddb.create_table(**args)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
        attrs = {"Arn": table["TableArn"]}
        if "LatestStreamArn" in table:
            attrs["StreamArn"] = table["LatestStreamArn"]
        self._record(logical_id, name, **attrs)

    def _role(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "RoleName")
        iam = self._client("iam")
        role = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"])
        )["Role"]
        for policy in props.get("Policies", []):
            # IAM accepts a document without Version (SAM's policy templates omit it); moto insists on one.
            document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document)
            )
        self._record(logical_id, name, Arn=role["Arn"], RoleId=role["RoleId"])

    def _layer(self, logical_id: str, props: dict[str, Any]) -> None:
        # The layer's content is the source tree (carebird_ops.local.runner puts it on sys.path);
        # publishing a marker version keeps its ARN real for the functions that reference it.
        source = self._layer_dir(logical_id)
        name = self._name(logical_id, props, "LayerName")
        version = self._client("lambda").publish_layer_version(
            LayerName=name,
            Description=props.get("Description", ""),
            Content={"ZipFile": _zip({"SOURCE": str(source)})},
            CompatibleRuntimes=props.get("CompatibleRuntimes", []),
        )
        self._record(logical_id, version["LayerVersionArn"])
        self._layer_dirs_by_arn[version["LayerVersionArn"]] = source

    def _layer_dir(self, logical_id: str) -> Path:
        # SAM renames layers to LogicalId<hash>; the hash-less id is the one in template.yaml.
        for sam_id, path in self.template.layer_dirs.items():
            if logical_id.startswith(sam_id):
                return path
        raise ProvisionError(f"{logical_id}: no local ContentUri for this layer")

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "FunctionName")
        code_dir = self.template.code_dirs.get(logical_id)
        if code_dir is None:
            raise ProvisionError(
                f"{logical_id}: functions must be AWS::Serverless::Function with a local CodeUri"
            )
        environment = {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
        layers = [str(a) for a in props.get("Layers", [])]
        created = self._client("lambda").create_function(
            FunctionName=name,
            Runtime=props["Runtime"],
            Role=props["Role"],
            Handler=props["Handler"],
            Code={"ZipFile": _zip_dir(code_dir)},
            Description=props.get("Description", ""),
            Timeout=int(props.get("Timeout", 3)),
            MemorySize=int(props.get("MemorySize", 128)),
            Architectures=list(props.get("Architectures", ["x86_64"])),
            Environment={"Variables": environment},
            Layers=layers,
            Tags={**_tags(props.get("Tags")), "carebird:logical-id": logical_id},
        )
        reserved = props.get("ReservedConcurrentExecutions")
        self.deployment.functions[name] = LocalFunction(
            logical_id=logical_id,
            name=name,
            arn=created["FunctionArn"],
            code_dir=code_dir,
            handler=props["Handler"],
            runtime=props["Runtime"],
            timeout=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            environment=environment,
            layer_dirs=[self._layer_dirs_by_arn[a] for a in layers if a in self._layer_dirs_by_arn],
            reserved_concurrency=int(reserved) if reserved is not None else None,
        )
        self._record(logical_id, name, Arn=created["FunctionArn"])

    def _permission(self, logical_id: str, props: dict[str, Any]) -> None:
        args = {k: props[k] for k in ("Action", "FunctionName", "Principal", "SourceArn") if k in props}
        args["FunctionName"] = str(args["FunctionName"]).split(":")[-1]
        self._client("lambda").add_permission(StatementId=logical_id, **args)
        self._record(logical_id, logical_id)

    def _state_machine(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "StateMachineName")
        definition = props.get("DefinitionString")
        if definition is None:
            definition = json.dumps(props["Definition"])
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        json.loads(definition)  # a substitution that breaks the JSON should fail here, by name
        args: dict[str, Any] = {}
        logging_config = props.get("LoggingConfiguration")
        if logging_config:  # an Express workflow's only record of its executions
            args["loggingConfiguration"] = {
                "level": logging_config.get("Level", "OFF"),
                "includeExecutionData": bool(logging_config.get("IncludeExecutionData", False)),
                "destinations": [
                    {"cloudWatchLogsLogGroup": {"logGroupArn": d["CloudWatchLogsLogGroup"]["LogGroupArn"]}}
                    for d in logging_config.get("Destinations", [])
                ],
            }
        created = self._client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=props["RoleArn"],
            type=props.get("StateMachineType", "STANDARD"),
            **args,
        )
        arn = created["stateMachineArn"]
        self._record(logical_id, arn, Arn=arn, Name=name)

    def _rule(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "Name")
        events = self._client("events")
        args: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
        for key in ("ScheduleExpression", "EventPattern", "Description"):
            if key in props:
                args[key] = props[key] if key != "EventPattern" else json.dumps(props[key])
        arn = events.put_rule(**args)["RuleArn"]
        targets = [{k: t[k] for k in ("Id", "Arn", "Input") if k in t} for t in props.get("Targets", [])]
        if targets:
            events.put_targets(Rule=name, Targets=targets)
        if "ScheduleExpression" in props and args["State"] == "ENABLED":
            self.deployment.schedules.append(
                Schedule(name, props["ScheduleExpression"], [t["Arn"] for t in targets])
            )
        self._record(logical_id, name, Arn=arn)

    def _schedule_group(self, logical_id: str, props: dict[str, Any]) -> None:
        # Its schedules are created by the product at run time (carebird_ops.local.scheduler fires them).
        name = self._name(logical_id, props, "Name")
        arn = self._client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
        self.deployment.schedule_groups.append(name)
        self._record(logical_id, name, Arn=arn)

    def _secret(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "Name")
        args = {"Name": name, "Description": props.get("Description", "")}
        if "SecretString" in props:
            args["SecretString"] = props["SecretString"]
        arn = self._client("secretsmanager").create_secret(**args)["ARN"]
        self._record(logical_id, arn, Id=arn)

    def _topic(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "TopicName")
        arn = self._client("sns").create_topic(Name=name)["TopicArn"]
        self._record(logical_id, arn, TopicArn=arn, TopicName=name)

    def _subscription(self, logical_id: str, props: dict[str, Any]) -> None:
        arn = self._client("sns").subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"]
        )["SubscriptionArn"]
        self._record(logical_id, arn)

    def _alarm(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "AlarmName")
        allowed = (
            "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
            "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
            "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
            "Metrics",
        )  # fmt: skip
        args = {k: props[k] for k in allowed if k in props}
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in args:
                args[key] = int(args[key])
        if "Threshold" in args:
            args["Threshold"] = float(args["Threshold"])
        for query in args.get("Metrics", []):
            if "MetricStat" in query:
                query["MetricStat"]["Period"] = int(query["MetricStat"]["Period"])
        self._client("cloudwatch").put_metric_alarm(AlarmName=name, **args)
        self.deployment.alarms.append(name)
        self._record(logical_id, name, Arn=self._arn("cloudwatch", f"alarm:{name}"))

    def _dashboard(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "DashboardName")
        body = props["DashboardBody"]
        self._client("cloudwatch").put_dashboard(
            DashboardName=name, DashboardBody=body if isinstance(body, str) else json.dumps(body)
        )
        self._record(logical_id, name)

    def _http_api(self, logical_id: str, props: dict[str, Any]) -> None:
        body = props.get("Body")
        if body is None:
            raise ProvisionError(
                f"{logical_id}: only HTTP APIs defined by an OpenAPI Body are supported locally"
            )
        apigw = self._client("apigatewayv2")
        title = str(body.get("info", {}).get("title") or logical_id)
        api = apigw.create_api(Name=props.get("Name", title), ProtocolType="HTTP")
        api_id = api["ApiId"]
        # What importing the Body does on AWS: a JWT authorizer per security scheme, and a route with a
        # Lambda proxy integration (payload format 2.0) per operation.
        authorizers: dict[str, str] = {}
        for name, scheme in body.get("components", {}).get("securitySchemes", {}).items():
            spec = scheme.get("x-amazon-apigateway-authorizer", {})
            if spec.get("type") != "jwt":
                raise ProvisionError(f"{logical_id}: authorizer {name} is not a JWT authorizer")
            jwt = spec.get("jwtConfiguration", {})
            authorizers[name] = apigw.create_authorizer(
                ApiId=api_id,
                Name=name,
                AuthorizerType="JWT",
                IdentitySource=[str(spec.get("identitySource", "$request.header.Authorization"))],
                JwtConfiguration={
                    "Issuer": str(jwt.get("issuer", "")),
                    "Audience": [str(a) for a in jwt.get("audience", [])],
                },
            )["AuthorizerId"]
        default_security = body.get("security", [])
        for path, operations in sorted(body.get("paths", {}).items()):
            for method, operation in operations.items():
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                integration = operation.get("x-amazon-apigateway-integration", {})
                integration_id = apigw.create_integration(
                    ApiId=api_id,
                    IntegrationType="AWS_PROXY",
                    IntegrationUri=str(integration.get("uri", "")),
                    PayloadFormatVersion=str(integration.get("payloadFormatVersion", "2.0")),
                )["IntegrationId"]
                authorizer = next(
                    (
                        authorizers[n]
                        for entry in operation.get("security", default_security)
                        for n in entry
                        if n in authorizers
                    ),
                    None,
                )
                apigw.create_route(
                    ApiId=api_id,
                    RouteKey=f"{verb} {path}",
                    Target=f"integrations/{integration_id}",
                    AuthorizationType="JWT" if authorizer else "NONE",
                    **({"AuthorizerId": authorizer} if authorizer else {}),
                )
        self._apis_pending[logical_id] = HttpApi(logical_id, api_id, "", body)
        self._record(logical_id, api_id, ApiEndpoint=str(api.get("ApiEndpoint", "")), ApiId=api_id)

    def _http_api_stage(self, logical_id: str, props: dict[str, Any]) -> None:
        api_id = props["ApiId"]
        self._client("apigatewayv2").create_stage(
            ApiId=api_id, StageName=props["StageName"], AutoDeploy=bool(props.get("AutoDeploy", False))
        )
        for pending in self._apis_pending.values():
            if pending.api_id == api_id:
                self.deployment.apis.append(
                    HttpApi(pending.logical_id, api_id, props["StageName"], pending.body)
                )
        self._record(logical_id, props["StageName"])

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "QueueName")
        attributes = {k: _attribute(v) for k, v in props.items() if k not in ("QueueName", "Tags")}
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = self._client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self._record(logical_id, url, Arn=self._arn("sqs", name), QueueName=name, QueueUrl=url)

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "BucketName").lower()
        self._client("s3").create_bucket(Bucket=name)
        self._record(logical_id, name, Arn=f"arn:aws:s3:::{name}", DomainName=f"{name}.s3.amazonaws.com")

    def _log_group(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "LogGroupName")
        self._client("logs").create_log_group(logGroupName=name)
        self._record(logical_id, name, Arn=self._arn("logs", f"log-group:{name}:*"))

    def _user_pool(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self._name(logical_id, props, "UserPoolName")
        passed = (
            "Policies", "Schema", "AdminCreateUserConfig", "UsernameConfiguration", "AccountRecoverySetting",
            "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes", "MfaConfiguration",
            "DeletionProtection", "UserPoolTags",
        )  # fmt: skip
        args = {k: props[k] for k in passed if k in props}
        pool = self._client("cognito-idp").create_user_pool(PoolName=name, **args)["UserPool"]
        pool_id = pool["Id"]
        provider = f"cognito-idp.{self.region}.amazonaws.com/{pool_id}"
        self._record(
            logical_id, pool_id, Arn=pool["Arn"], ProviderName=provider, ProviderURL=f"https://{provider}",
            UserPoolId=pool_id,
        )  # fmt: skip

    def _user_pool_client(self, logical_id: str, props: dict[str, Any]) -> None:
        passed = (
            "GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors", "IdTokenValidity",
            "AccessTokenValidity", "RefreshTokenValidity", "TokenValidityUnits", "ReadAttributes",
            "WriteAttributes", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
            "CallbackURLs", "LogoutURLs", "SupportedIdentityProviders", "EnableTokenRevocation",
        )  # fmt: skip
        args = {k: props[k] for k in passed if k in props}
        for key in ("IdTokenValidity", "AccessTokenValidity", "RefreshTokenValidity"):
            if key in args:
                args[key] = int(args[key])
        if "GenerateSecret" in args:
            args["GenerateSecret"] = str(args["GenerateSecret"]).lower() == "true"
        client = self._client("cognito-idp").create_user_pool_client(
            UserPoolId=props["UserPoolId"], ClientName=self._name(logical_id, props, "ClientName"), **args
        )["UserPoolClient"]
        self._record(
            logical_id,
            client["ClientId"],
            ClientSecret=client.get("ClientSecret", ""),
            Name=client["ClientName"],
        )


def _attribute(value: Any) -> str:
    """SQS attributes are strings; CloudFormation's booleans become "true"/"false" as the API expects."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _tags(tags: Any) -> dict[str, str]:
    """CloudFormation writes Lambda tags as [{Key, Value}]; the Lambda API takes a mapping."""
    if isinstance(tags, list):
        return {str(t["Key"]): str(t["Value"]) for t in tags}
    return {str(k): str(v) for k, v in (tags or {}).items()}


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _zip_dir(path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                zf.write(file, file.relative_to(path))
    return buf.getvalue()
