//! The privilege-escalation techniques the AWS deriver knows, as data: Rhino Security Labs' 21
//! IAM methods plus later ones (CloudFormation stack updates, SSM, EC2 Instance Connect,
//! SageMaker, CodeBuild, ECS, Step Functions). CodeStar's, in some lists, is gone with the service.
//!
//! Invariant: ids are stable (they appear in edge attributes and findings); action names are
//! lowercase, as policy evaluation compares them.

use nhi_model::EdgeKind;

/// How a service technique reaches a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Create a resource of the service and hand it a role (`iam:PassRole` on the role): the
    /// caller's code then runs as that role.
    PassRole,
    /// Change or enter an existing resource of the service, which runs as its role already.
    Existing,
}

/// A technique that runs code as a role through an AWS service.
#[derive(Debug)]
pub(crate) struct ServiceTechnique {
    pub id: &'static str,
    /// The service principal the role must trust.
    pub service: &'static str,
    pub reach: Reach,
    /// Every group is needed; any action of a group will do.
    pub actions: &'static [&'static [&'static str]],
}

/// What an IAM technique does to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IamEffect {
    /// The caller obtains the target's credentials or session.
    TakeOver(EdgeKind),
    /// The caller can give the target any permission (itself included when it is the target).
    Grant,
    /// The caller (a user) joins the target group and gains its permissions.
    JoinGroup,
}

/// What an IAM technique acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IamTarget {
    User,
    Role,
    Group,
    ManagedPolicy,
}

impl IamTarget {
    /// The ARN pattern standing for every target of this kind in `account`.
    pub(crate) fn every(self, account: &str) -> String {
        let kind = match self {
            IamTarget::User => "user",
            IamTarget::Role => "role",
            IamTarget::Group => "group",
            IamTarget::ManagedPolicy => "policy",
        };
        format!("arn:aws:iam::{account}:{kind}/*")
    }
}

/// A technique that uses IAM itself.
#[derive(Debug)]
pub(crate) struct IamTechnique {
    pub id: &'static str,
    pub action: &'static str,
    pub target: IamTarget,
    pub effect: IamEffect,
}

impl IamTechnique {
    pub(crate) fn method(&self) -> String {
        display_action(self.action)
    }
}

/// `iam:createaccesskey` -> `iam:CreateAccessKey`, from the action table when known.
pub(crate) fn display_action(action: &str) -> String {
    super::access_level::canonical_name(action).unwrap_or_else(|| action.to_string())
}

/// IAM techniques, in the order edges are derived (the first found names the path on ties).
pub(crate) const IAM_TECHNIQUES: &[IamTechnique] = &[
    IamTechnique {
        id: "create-policy-version",
        action: "iam:createpolicyversion",
        target: IamTarget::ManagedPolicy,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "set-default-policy-version",
        action: "iam:setdefaultpolicyversion",
        target: IamTarget::ManagedPolicy,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "attach-user-policy",
        action: "iam:attachuserpolicy",
        target: IamTarget::User,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "attach-group-policy",
        action: "iam:attachgrouppolicy",
        target: IamTarget::Group,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "attach-role-policy",
        action: "iam:attachrolepolicy",
        target: IamTarget::Role,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "put-user-policy",
        action: "iam:putuserpolicy",
        target: IamTarget::User,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "put-group-policy",
        action: "iam:putgrouppolicy",
        target: IamTarget::Group,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "put-role-policy",
        action: "iam:putrolepolicy",
        target: IamTarget::Role,
        effect: IamEffect::Grant,
    },
    IamTechnique {
        id: "add-user-to-group",
        action: "iam:addusertogroup",
        target: IamTarget::Group,
        effect: IamEffect::JoinGroup,
    },
    IamTechnique {
        id: "create-access-key",
        action: "iam:createaccesskey",
        target: IamTarget::User,
        effect: IamEffect::TakeOver(EdgeKind::CanCreateToken),
    },
    IamTechnique {
        id: "create-login-profile",
        action: "iam:createloginprofile",
        target: IamTarget::User,
        effect: IamEffect::TakeOver(EdgeKind::CanCreateToken),
    },
    IamTechnique {
        id: "update-login-profile",
        action: "iam:updateloginprofile",
        target: IamTarget::User,
        effect: IamEffect::TakeOver(EdgeKind::CanCreateToken),
    },
    IamTechnique {
        id: "update-assume-role-policy",
        action: "iam:updateassumerolepolicy",
        target: IamTarget::Role,
        effect: IamEffect::TakeOver(EdgeKind::CanAssume),
    },
];

const EC2: &str = "ec2.amazonaws.com";
const LAMBDA: &str = "lambda.amazonaws.com";
const CLOUDFORMATION: &str = "cloudformation.amazonaws.com";
const GLUE: &str = "glue.amazonaws.com";
const SAGEMAKER: &str = "sagemaker.amazonaws.com";
const CODEBUILD: &str = "codebuild.amazonaws.com";
const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

/// Service techniques.
pub(crate) const SERVICE_TECHNIQUES: &[ServiceTechnique] = &[
    ServiceTechnique {
        id: "pass-role-ec2",
        service: EC2,
        reach: Reach::PassRole,
        actions: &[&["ec2:runinstances"]],
    },
    ServiceTechnique {
        id: "pass-role-ec2-instance-profile",
        service: EC2,
        reach: Reach::PassRole,
        actions: &[&[
            "ec2:associateiaminstanceprofile",
            "ec2:replaceiaminstanceprofileassociation",
        ]],
    },
    ServiceTechnique {
        id: "pass-role-autoscaling",
        service: EC2,
        reach: Reach::PassRole,
        actions: &[
            &[
                "autoscaling:createlaunchconfiguration",
                "ec2:createlaunchtemplate",
            ],
            &[
                "autoscaling:createautoscalinggroup",
                "autoscaling:updateautoscalinggroup",
            ],
        ],
    },
    ServiceTechnique {
        id: "pass-role-lambda",
        service: LAMBDA,
        reach: Reach::PassRole,
        actions: &[
            &["lambda:createfunction"],
            &[
                "lambda:invokefunction",
                "lambda:createeventsourcemapping",
                "lambda:addpermission",
                "lambda:createfunctionurlconfig",
            ],
        ],
    },
    ServiceTechnique {
        id: "pass-role-cloudformation",
        service: CLOUDFORMATION,
        reach: Reach::PassRole,
        actions: &[&["cloudformation:createstack"]],
    },
    ServiceTechnique {
        id: "pass-role-cloudformation-change-set",
        service: CLOUDFORMATION,
        reach: Reach::PassRole,
        actions: &[
            &["cloudformation:createchangeset"],
            &["cloudformation:executechangeset"],
        ],
    },
    ServiceTechnique {
        id: "pass-role-glue-dev-endpoint",
        service: GLUE,
        reach: Reach::PassRole,
        actions: &[&["glue:createdevendpoint"]],
    },
    ServiceTechnique {
        id: "pass-role-glue-job",
        service: GLUE,
        reach: Reach::PassRole,
        actions: &[
            &["glue:createjob"],
            &["glue:startjobrun", "glue:createtrigger"],
        ],
    },
    ServiceTechnique {
        id: "pass-role-datapipeline",
        service: "datapipeline.amazonaws.com",
        reach: Reach::PassRole,
        actions: &[
            &["datapipeline:createpipeline"],
            &["datapipeline:putpipelinedefinition"],
        ],
    },
    ServiceTechnique {
        id: "pass-role-sagemaker-notebook",
        service: SAGEMAKER,
        reach: Reach::PassRole,
        actions: &[&["sagemaker:createnotebookinstance"]],
    },
    ServiceTechnique {
        id: "pass-role-sagemaker-training-job",
        service: SAGEMAKER,
        reach: Reach::PassRole,
        actions: &[&["sagemaker:createtrainingjob"]],
    },
    ServiceTechnique {
        id: "pass-role-sagemaker-processing-job",
        service: SAGEMAKER,
        reach: Reach::PassRole,
        actions: &[&["sagemaker:createprocessingjob"]],
    },
    ServiceTechnique {
        id: "pass-role-codebuild",
        service: CODEBUILD,
        reach: Reach::PassRole,
        actions: &[
            &["codebuild:createproject"],
            &["codebuild:startbuild", "codebuild:startbuildbatch"],
        ],
    },
    ServiceTechnique {
        id: "pass-role-ecs",
        service: ECS_TASKS,
        reach: Reach::PassRole,
        actions: &[
            &["ecs:registertaskdefinition"],
            &["ecs:runtask", "ecs:starttask", "ecs:createservice"],
        ],
    },
    ServiceTechnique {
        id: "pass-role-step-functions",
        service: "states.amazonaws.com",
        reach: Reach::PassRole,
        actions: &[&["states:createstatemachine"], &["states:startexecution"]],
    },
    ServiceTechnique {
        id: "lambda-update-function-code",
        service: LAMBDA,
        reach: Reach::Existing,
        actions: &[&["lambda:updatefunctioncode"]],
    },
    ServiceTechnique {
        id: "glue-update-dev-endpoint",
        service: GLUE,
        reach: Reach::Existing,
        actions: &[&["glue:updatedevendpoint"]],
    },
    ServiceTechnique {
        id: "cloudformation-update-stack",
        service: CLOUDFORMATION,
        reach: Reach::Existing,
        actions: &[&[
            "cloudformation:updatestack",
            "cloudformation:updatestackset",
        ]],
    },
    ServiceTechnique {
        id: "cloudformation-change-set",
        service: CLOUDFORMATION,
        reach: Reach::Existing,
        actions: &[
            &["cloudformation:createchangeset"],
            &["cloudformation:executechangeset"],
        ],
    },
    ServiceTechnique {
        id: "ssm-send-command",
        service: EC2,
        reach: Reach::Existing,
        actions: &[&["ssm:sendcommand"]],
    },
    ServiceTechnique {
        id: "ssm-start-session",
        service: EC2,
        reach: Reach::Existing,
        actions: &[&["ssm:startsession"]],
    },
    ServiceTechnique {
        id: "ec2-instance-connect",
        service: EC2,
        reach: Reach::Existing,
        actions: &[&[
            "ec2-instance-connect:sendsshpublickey",
            "ec2-instance-connect:sendserialconsolesshpublickey",
        ]],
    },
    ServiceTechnique {
        id: "ec2-user-data",
        service: EC2,
        reach: Reach::Existing,
        actions: &[&["ec2:modifyinstanceattribute"], &["ec2:startinstances"]],
    },
    ServiceTechnique {
        id: "sagemaker-presigned-notebook-url",
        service: SAGEMAKER,
        reach: Reach::Existing,
        actions: &[&["sagemaker:createpresignednotebookinstanceurl"]],
    },
    ServiceTechnique {
        id: "codebuild-start-build",
        service: CODEBUILD,
        reach: Reach::Existing,
        actions: &[&["codebuild:startbuild", "codebuild:startbuildbatch"]],
    },
    ServiceTechnique {
        id: "ecs-execute-command",
        service: ECS_TASKS,
        reach: Reach::Existing,
        actions: &[&["ecs:executecommand"]],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_named_by_a_technique_exists_in_the_action_table() {
        let iam = IAM_TECHNIQUES.iter().map(|t| t.action);
        let service = SERVICE_TECHNIQUES
            .iter()
            .flat_map(|t| t.actions.iter().flat_map(|g| g.iter().copied()));
        for action in iam.chain(service) {
            assert_eq!(action, action.to_ascii_lowercase());
            assert!(
                super::super::access_level::canonical_name(action).is_some(),
                "{action} is not an AWS action"
            );
        }
    }

    #[test]
    fn ids_are_unique_and_methods_use_aws_spelling() {
        let mut ids: Vec<&str> = IAM_TECHNIQUES
            .iter()
            .map(|t| t.id)
            .chain(SERVICE_TECHNIQUES.iter().map(|t| t.id))
            .collect();
        let before = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), before);
        let create = IAM_TECHNIQUES
            .iter()
            .find(|t| t.id == "create-access-key")
            .unwrap();
        assert_eq!(create.method(), "iam:CreateAccessKey");
    }
}
