//! Unit tests of the CI/CD sources on small inline files; the fixtures under
//! `tests/fixtures/cicd/` are read by the integration tests.

use super::{GithubActions, GitlabCi};
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::{EdgeKind, Fingerprinter, Identity};
use serde_json::Value;

fn read(source: &dyn Source, path: &str, text: &str) -> Discovery {
    let fingerprinter = Fingerprinter::new([3; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let file = SourceFile {
        path,
        bytes: text.as_bytes(),
    };
    assert!(source.recognises(&file), "{path} not recognised");
    let mut out = Discovery::default();
    source.read(&file, &ctx, &mut out);
    out
}

fn only_identity(out: &Discovery) -> &Identity {
    assert_eq!(
        out.inventory.identities.len(),
        1,
        "{:?}",
        out.inventory.identities.keys()
    );
    out.inventory.identities.values().next().unwrap()
}

fn job<'a>(identity: &'a Identity, id: &str) -> &'a Value {
    identity.attributes["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .unwrap()
}

const DEPLOY: &str = r#"name: deploy
on:
  push:
    branches: [main]
  workflow_dispatch:
env:
  SLACK: ${{ secrets.SLACK_WEBHOOK }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make
  release:
    runs-on: [self-hosted, prod]
    environment: production
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: arn:aws:iam::111122223333:role/deploy
          aws-region: eu-west-1
      - uses: google-github-actions/auth@v2
        with:
          credentials_json: ${{ secrets.GCP_SA_KEY }}
      - run: ./deploy.sh "${{ secrets['Api_Token'] }}"
"#;

#[test]
fn a_workflow_becomes_one_identity_with_its_jobs_secrets_and_logins() {
    let out = read(
        &GithubActions,
        "estate/shipment-api/.github/workflows/deploy.yml",
        DEPLOY,
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let wf = only_identity(&out);
    assert_eq!(
        wf.id,
        "github:workflow:shipment-api/.github/workflows/deploy.yml"
    );
    assert_eq!(wf.name, "deploy");
    assert_eq!(
        wf.attributes["triggers"],
        serde_json::json!(["push", "workflow_dispatch"])
    );
    assert_eq!(wf.attributes["push_branches"], serde_json::json!(["main"]));
    assert_eq!(wf.attributes["permissions"], "default");
    assert_eq!(
        wf.attributes["secrets"],
        serde_json::json!(["API_TOKEN", "GCP_SA_KEY", "SLACK_WEBHOOK"])
    );

    let build = job(wf, "build");
    assert_eq!(build["line"], 9);
    assert_eq!(build["effective_permissions"], "default");
    assert_eq!(
        build["secrets"],
        serde_json::json!(["SLACK_WEBHOOK"]),
        "workflow env reaches every job"
    );
    assert_eq!(build["checkouts"][0]["via"], "actions/checkout");

    let release = job(wf, "release");
    assert_eq!(release["environment"], "production");
    assert_eq!(release["runs_on"], "self-hosted, prod");
    assert_eq!(release["effective_permissions"]["id-token"], "write");
    assert_eq!(
        release["secrets"],
        serde_json::json!(["API_TOKEN", "GCP_SA_KEY", "SLACK_WEBHOOK"])
    );
    let logins = release["cloud_logins"].as_array().unwrap();
    assert_eq!(
        (
            logins[0]["cloud"].as_str(),
            logins[0]["federated"].as_bool()
        ),
        (Some("aws"), Some(true))
    );
    assert_eq!(logins[0]["line"], 21);
    assert_eq!(
        (logins[1]["federated"].as_bool(), &logins[1]["secrets"]),
        (Some(false), &serde_json::json!(["GCP_SA_KEY"]))
    );

    assert_eq!(
        out.inventory.edges.len(),
        1,
        "only the role written out is an edge"
    );
    let edge = &out.inventory.edges[0];
    assert_eq!(
        (edge.from.as_str(), edge.kind),
        (wf.id.as_str(), EdgeKind::CanAssume)
    );
    assert_eq!(edge.to, "aws:role:arn:aws:iam::111122223333:role/deploy");
    assert_eq!(edge.attributes["branches"], serde_json::json!(["main"]));
    assert_eq!(edge.attributes["environment"], "production");
}

#[test]
fn untrusted_triggers_checkouts_and_inherited_secrets_are_recorded() {
    let text = "on: [pull_request_target, issue_comment]\npermissions: write-all\njobs:\n  test:\n    steps:\n\
      \x20     - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n\
      \x20     - run: |\n          echo hi\n          gh pr checkout ${{ github.event.issue.number }}\n\
      \x20 call:\n    uses: org/shared/.github/workflows/x.yml@main\n    secrets: inherit\n";
    let out = read(&GithubActions, "r/.github/workflows/pr.yaml", text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let wf = only_identity(&out);
    let test = job(wf, "test");
    assert_eq!(test["effective_permissions"], "write-all");
    let checkouts = test["checkouts"].as_array().unwrap();
    assert_eq!(
        checkouts[0]["ref"],
        "${{ github.event.pull_request.head.sha }}"
    );
    assert_eq!(
        (checkouts[1]["via"].as_str(), checkouts[1]["line"].as_u64()),
        (Some("run"), Some(11))
    );
    assert_eq!(checkouts[1]["ref"], "${{ github.event.issue.number }}");
    let call = job(wf, "call");
    assert_eq!(call["all_secrets"], "inherit");
    assert_eq!(
        call["actions"][0]["uses"],
        "org/shared/.github/workflows/x.yml@main"
    );
}

#[test]
fn composite_actions_are_read_and_other_actions_ignored() {
    let text = "name: setup\nruns:\n  using: composite\n  steps:\n    - uses: some/tool@v1\n      with: {x: 1}\n";
    let out = read(
        &GithubActions,
        "repo/.github/actions/setup/action.yml",
        text,
    );
    let action = only_identity(&out);
    assert_eq!(
        action.id,
        "github:action:repo/.github/actions/setup/action.yml"
    );
    assert_eq!(job(action, "runs")["actions"][0]["line"], 5);
    let js = read(
        &GithubActions,
        "tool/action.yml",
        "runs:\n  using: node20\n  main: x.js\n# composite\n",
    );
    assert!(js.inventory.identities.is_empty() && js.errors.is_empty());
}

#[test]
fn odd_workflows_give_errors_naming_the_file_not_panics() {
    let cases = [
        ("- a\n- b\n", "document 1 is a list"),
        ("on: push\njobs: [a]\n", "jobs is a list"),
        ("on: push\n", "no jobs"),
        ("on: push\njobs:\n  ${{ matrix.x }}:\n    runs-on: x\n", "is an expression"),
        ("on: push\njobs:\n  a: 3\n", "job `a` is a number"),
        ("on: push\njobs:\n  a:\n    steps: {x: 1}\n", "steps is a mapping"),
        ("on: push\njobs:\n  a:\n    steps:\n      - uses: x/y@v1\n        with: ${{ fromJSON(inputs.w) }}\n", "`with` is a string"),
        ("on: push\njobs:\n  a:\n    steps: [3]\n", "a number is not a step"),
        ("on: push\njobs: {a: {steps: []}}\n---\nx: 1\n", "document 2"),
        ("on: [\n", "document 1"),
        ("a: &x [*x]\n", "document 1"),
    ];
    for (text, expected) in cases {
        let out = read(&GithubActions, "r/.github/workflows/odd.yml", text);
        let messages: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains(expected) && m.starts_with("r/.github/workflows/odd.yml")),
            "{text:?}: {messages:?}"
        );
    }
    let runs_on = "on: push\njobs:\n  a:\n    runs-on: ${{ matrix.os }}\n    steps: [{run: x}]\n";
    assert!(read(&GithubActions, "r/.github/workflows/m.yml", runs_on)
        .errors
        .is_empty());
}

#[test]
fn recognises_workflows_only_where_github_reads_them() {
    let recognised = |path: &str| {
        GithubActions.recognises(&SourceFile {
            path,
            bytes: b"on: push",
        })
    };
    assert!(recognised(".github/workflows/a.yml") && recognised("x/.github/workflows/b.yaml"));
    assert!(
        !recognised("x/.github/workflows/sub/c.yml") && !recognised("x/my.github/workflows/c.yml")
    );
    assert!(!recognised("x/.github/dependabot.yml"));
}

const PIPELINE: &str = r#"include:
  - template: Security/SAST.gitlab-ci.yml
  - local: ci/common.yml
variables:
  REGION: eu-west-1
  AWS_SECRET_ACCESS_KEY: $PROD_AWS_SECRET
.deploy:
  stage: deploy
  script:
    - echo "deploying with $PROD_AWS_SECRET"
    - aws s3 sync dist s3://bucket
deploy:
  extends: .deploy
  environment: production
  only: [main]
publish:
  id_tokens:
    AWS_TOKEN:
      aud: https://gitlab.example.com
  variables:
    ROLE_ARN: arn:aws:iam::111122223333:role/publisher
  script:
    - export TOKEN=$(cat token)
    - echo $TOKEN $CI_COMMIT_SHA
    - printenv
    - 'curl -H "JOB-TOKEN: $CI_JOB_TOKEN" https://pkg.example.net/upload'
"#;

#[test]
fn a_pipeline_becomes_one_identity_with_resolved_jobs() {
    let out = read(&GitlabCi, "estate/dispatch-portal/.gitlab-ci.yml", PIPELINE);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let pipeline = only_identity(&out);
    assert_eq!(pipeline.id, "gitlab:pipeline:dispatch-portal");
    assert_eq!(
        pipeline.attributes["includes"][1],
        serde_json::json!({"kind": "local", "target": "ci/common.yml"})
    );
    let jobs = pipeline.attributes["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2, "the hidden template is not a job");

    let deploy = job(pipeline, "deploy");
    assert_eq!(
        (deploy["stage"].as_str(), deploy["line"].as_u64()),
        (Some("deploy"), Some(12))
    );
    assert_eq!(deploy["only_refs"], serde_json::json!(["main"]));
    assert_eq!(
        deploy["secrets"],
        serde_json::json!(["AWS_SECRET_ACCESS_KEY", "PROD_AWS_SECRET"])
    );
    assert_eq!(
        deploy["echoes"],
        serde_json::json!([{"variable": "PROD_AWS_SECRET", "line": 10}])
    );

    let publish = job(pipeline, "publish");
    assert_eq!(
        publish["echoes"].as_array().unwrap().len(),
        1,
        "TOKEN is assigned by the script: {publish}"
    );
    assert_eq!(publish["echoes"][0]["variable"], "CI_COMMIT_SHA");
    assert_eq!(publish["env_dumps"], serde_json::json!([25]));
    assert_eq!(
        publish["job_token_uses"][0]["hosts"],
        serde_json::json!(["pkg.example.net"])
    );
    assert_eq!(publish["id_tokens"][0]["name"], "AWS_TOKEN");
    assert_eq!(out.inventory.edges.len(), 1);
    assert_eq!(
        out.inventory.edges[0].to,
        "aws:role:arn:aws:iam::111122223333:role/publisher"
    );
}

#[test]
fn odd_pipelines_give_errors_not_panics() {
    let cases = [
        ("[1, 2]\n", "document 1 is a list"),
        (
            "a:\n  extends: b\nb:\n  extends: a\n",
            "job `a`: `extends` loops",
        ),
        (
            "a:\n  script: !reference [.x, script]\n",
            "points at nothing",
        ),
        (
            "spec:\n  inputs: {}\n---\na: {script: [x]}\n---\nb: 1\n",
            "document 3",
        ),
    ];
    for (text, expected) in cases {
        let out = read(&GitlabCi, "p/.gitlab-ci.yml", text);
        let messages: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{text:?}: {messages:?}"
        );
    }
}

#[test]
fn every_prefix_of_a_file_reads_without_panic() {
    for (source, path, text) in [
        (
            &GithubActions as &dyn Source,
            "r/.github/workflows/deploy.yml",
            DEPLOY,
        ),
        (&GitlabCi as &dyn Source, "r/.gitlab-ci.yml", PIPELINE),
    ] {
        for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
            read(source, path, &text[..end]);
        }
    }
}

proptest::proptest! {
    // A fixed seed and no failure files: the same cases every run.
    #![proptest_config(proptest::test_runner::Config {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x1a7c),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]
    #[test]
    fn yaml_shaped_noise_never_panics(text in "[a-z${}:\\-\\[\\]&*<>!| \n'\"#.@/]{0,200}") {
        read(&GithubActions, "r/.github/workflows/x.yml", &text);
        read(&GitlabCi, "r/.gitlab-ci.yml", &text);
    }
}
