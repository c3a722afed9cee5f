//! The release workflows of a [`Plan`] (`syspack ci github --release`): build once, publish
//! signed, promote after a soak.
//!
//! * `syspack-release.yml`, on a `v*` tag (or by hand): one job per package manager (Linux
//!   releases in their container images; FreeBSD releases cross-built on the Linux host, with
//!   zig and the vendored C libraries, as `syspack package --target freebsd-14` does), a matrix
//!   entry per target, builds and packages (system libraries where the knowledge base knows the
//!   release's development packages, else vendored; always vendored for FreeBSD) and uploads
//!   the packages and a `SHA256SUMS` of them as two artifacts. The `publish` job downloads both, checks every
//!   package against its manifest (none missing, none extra, none changed), fetches the stored
//!   repositories, signs and adds the packages to the first channel (`syspack repo add`, one
//!   repository per target release: `<storage>/<target>/`) and uploads the repositories again.
//! * `syspack-promote.yml`, daily (or by hand): fetches the repositories, runs `syspack repo
//!   promote` for each adjacent pair of channels (the last pair first, so a package moves at
//!   most one channel a day) and uploads them.
//!
//! Least privilege: no permission at the top, `contents: read` per job; the signing key and
//! the storage credentials are secrets referenced only in the steps of `publish` and `promote`
//! that need them, passed through `env:` (syspack reads the key from `SYSPACK_SIGNING_KEY`
//! and keeps it in memory: it is never written to a file or printed). Both workflows share one
//! concurrency group, so they never write the stored repositories at the same time. No cache
//! is used (a release must not restore what another run could have written): the pinned
//! sources of vendored builds are fetched and verified in this run and handed over as an
//! artifact.

use syspack_build::shell;

use super::github::{
    build_syspack_on_host_lines, checkout, comment_wrapped, container, fetch_sources_lines,
    freebsd_cross_steps, install_rust_step, install_syspack_line, install_tools_step,
    package_script, scalar, trim_lines, Out, DOWNLOAD, HOST, SOURCES, UPLOAD,
};
use super::runners::{Manager, Runner};
use super::{Link, Plan, TargetPlan};

/// The repository secret holding the armored signing key (and its passphrase, if any).
pub const SIGNING_KEY_SECRET: &str = "SYSPACK_SIGNING_KEY";
/// The repository secret holding the signing key's passphrase (may be unset).
pub const PASSPHRASE_SECRET: &str = "SYSPACK_SIGNING_KEY_PASSPHRASE";
/// The repository secrets holding the object storage credentials.
pub const STORAGE_KEY_ID_SECRET: &str = "SYSPACK_STORAGE_ACCESS_KEY_ID";
/// See [`STORAGE_KEY_ID_SECRET`].
pub const STORAGE_SECRET_SECRET: &str = "SYSPACK_STORAGE_SECRET_ACCESS_KEY";
/// The repository variable naming the storage when the configuration does not.
pub const STORAGE_VARIABLE: &str = "SYSPACK_RELEASE_STORAGE";
/// The repository variable naming the storage's region (default `us-east-1`).
pub const REGION_VARIABLE: &str = "SYSPACK_STORAGE_REGION";
/// The repository variable naming an S3-compatible endpoint (empty: AWS S3).
pub const ENDPOINT_VARIABLE: &str = "SYSPACK_STORAGE_ENDPOINT";
/// The GitHub environment of the jobs holding secrets (add protection rules there).
pub const ENVIRONMENT: &str = "syspack-release";

/// Where the repositories live in the publish and promote jobs.
const REPOSITORY: &str = "repository";

/// The release workflows of a plan.
pub struct Release<'a> {
    plan: &'a Plan,
    /// The targets that are built and published, in configured order.
    pub targets: Vec<&'a TargetPlan>,
}

/// The job that builds a target's packages: the container jobs by package manager, then the
/// FreeBSD cross-build job.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum BuildJob {
    Container(Manager),
    Freebsd,
}

impl BuildJob {
    fn of(t: &TargetPlan) -> BuildJob {
        match t.runner {
            Runner::Container { manager, .. } => BuildJob::Container(manager),
            Runner::FreebsdVm { .. } => BuildJob::Freebsd,
        }
    }

    fn id(self) -> &'static str {
        match self {
            BuildJob::Container(m) => m.job_id(),
            BuildJob::Freebsd => "freebsd",
        }
    }
}

/// Why a FreeBSD release build is vendored.
const FREEBSD_VENDORED: &str =
    "cross-built on Linux, where FreeBSD's own libraries are not available";

/// The link mode a target's release build uses.
fn link_of(plan: &Plan, t: &TargetPlan) -> Option<Link> {
    if plan.links.is_empty() {
        None
    } else if t.no_system.is_some() || BuildJob::of(t) == BuildJob::Freebsd {
        Some(Link::Vendored)
    } else {
        Some(Link::System)
    }
}

impl<'a> Release<'a> {
    /// The release workflows of every target of the plan.
    pub fn new(plan: &'a Plan) -> Release<'a> {
        Release {
            plan,
            targets: plan.targets.iter().collect(),
        }
    }

    /// Some target builds vendored and the project has pins: a `sources` job fetches them.
    fn fetches_sources(&self) -> bool {
        self.plan.fetches_sources()
            && self
                .targets
                .iter()
                .any(|t| link_of(self.plan, t) == Some(Link::Vendored))
    }

    /// The target ids as shell words, for the scripts' loops.
    fn target_words(&self) -> String {
        self.targets
            .iter()
            .map(|t| shell::quote(&t.id))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn header(&self, o: &mut Out, what: &str) {
        o.line(
            0,
            "# Generated by `syspack ci github --release`; do not edit. Regenerate with:",
        );
        o.line(0, &format!("#   {}", self.plan.regenerate));
        o.line(0, "#");
        comment_wrapped(o, what);
        let ids: Vec<&str> = self.targets.iter().map(|t| t.id.as_str()).collect();
        comment_wrapped(
            o,
            &format!(
                "Targets ({}): {}; one repository per target under the storage location.",
                self.plan.targets_from,
                ids.join(", ")
            ),
        );
        comment_wrapped(
            o,
            &format!(
                "Channels (`publish.channels`): {}; minimum soak {}.",
                self.plan.publish.channels.join(" → "),
                self.plan.publish.min_soak_text
            ),
        );
        comment_wrapped(
            o,
            &format!(
                "Secrets: {SIGNING_KEY_SECRET} (the armored key `syspack key generate` writes), \
                 {PASSPHRASE_SECRET} (if it has one), {STORAGE_KEY_ID_SECRET} and \
                 {STORAGE_SECRET_SECRET}; variables {REGION_VARIABLE} (default us-east-1), \
                 {ENDPOINT_VARIABLE} (an S3-compatible server's URL; unset for AWS){}. \
                 Put them in the `{ENVIRONMENT}` environment to add protection rules.",
                if self.plan.publish.storage.is_none() {
                    format!(
                        " and {STORAGE_VARIABLE} (s3://BUCKET/PREFIX; or set `publish.storage`)"
                    )
                } else {
                    String::new()
                }
            ),
        );
        for (id, why) in &self.plan.skipped {
            o.line(0, &format!("# Left out: {id} ({why})."));
        }
    }

    fn common(o: &mut Out) {
        o.line(0, "permissions: {}");
        o.line(0, "");
        o.line(
            0,
            "# One group for publishing and promoting: never two writers of the repositories.",
        );
        o.line(0, "concurrency:");
        o.line(2, "group: syspack-release-repositories");
        o.line(2, "cancel-in-progress: false");
        o.line(0, "");
        o.line(0, "defaults:");
        o.line(2, "run:");
        o.line(4, "shell: bash");
        o.line(0, "");
        o.line(0, "jobs:");
    }

    /// `syspack-release.yml`.
    pub fn render_release(&self) -> String {
        let mut o = Out {
            text: String::new(),
        };
        self.header(
            &mut o,
            "On a `v*` tag: builds and packages once per target, then verifies the packages \
             against their SHA256SUMS, signs them into the first channel of each target's \
             repository and uploads the repositories to object storage.",
        );
        o.line(0, "name: syspack release");
        o.line(0, "");
        o.line(0, "on:");
        o.line(2, "push:");
        o.line(4, "tags: ['v*']");
        o.line(2, "workflow_dispatch:");
        o.line(0, "");
        Self::common(&mut o);
        if self.fetches_sources() {
            self.sources_job(&mut o);
        }
        let mut jobs: Vec<BuildJob> = self.targets.iter().map(|t| BuildJob::of(t)).collect();
        jobs.sort();
        jobs.dedup();
        for job in &jobs {
            match job {
                BuildJob::Container(m) => self.build_job(&mut o, *m),
                BuildJob::Freebsd => self.freebsd_build_job(&mut o),
            }
        }
        self.publish_job(&mut o, &jobs);
        finish(o)
    }

    /// Fetches and verifies the pinned sources for the vendored builds and hands them over as
    /// an artifact of this run (a cache could hold what another run wrote).
    fn sources_job(&self, o: &mut Out) {
        o.line(
            2,
            "# Fetches and verifies the pinned sources of the vendored C libraries for the",
        );
        o.line(
            2,
            "# vendored builds of this run (build scripts never download).",
        );
        o.line(2, "sources:");
        o.line(4, "name: pinned sources");
        o.line(4, &format!("runs-on: {HOST}"));
        o.line(4, "permissions:");
        o.line(6, "contents: read");
        o.line(4, "steps:");
        checkout(o);
        o.line(6, "- name: Fetch the pinned sources");
        o.run(8, &fetch_sources_lines(self.plan));
        o.line(6, "- name: Upload the pinned sources");
        o.line(8, &format!("uses: {UPLOAD}"));
        o.line(8, "with:");
        o.line(10, "name: pinned-sources");
        o.line(10, &format!("path: {SOURCES}"));
        o.line(
            10,
            "# The directory is hidden (a dot directory): upload-artifact leaves those out unless told.",
        );
        o.line(10, "include-hidden-files: true");
        o.line(10, "if-no-files-found: error");
        o.line(0, "");
    }

    /// The head of a build job: its id, name, dependencies, permissions and, after `runs_in`
    /// (the container or nothing), the matrix of its targets with `extra` per target.
    fn build_job_head(
        &self,
        o: &mut Out,
        job: BuildJob,
        runs_in: &dyn Fn(&mut Out),
        extra: &dyn Fn(&mut Out, &TargetPlan),
    ) {
        let plan = self.plan;
        let targets: Vec<&TargetPlan> = self
            .targets
            .iter()
            .copied()
            .filter(|t| BuildJob::of(t) == job)
            .collect();
        o.line(2, &format!("{}:", job.id()));
        o.line(4, "name: build ${{ matrix.target }}");
        if self.fetches_sources() {
            o.line(4, "needs: sources");
        }
        o.line(4, &format!("runs-on: {HOST}"));
        o.line(4, "permissions:");
        o.line(6, "contents: read");
        runs_in(o);
        o.line(4, "strategy:");
        o.line(6, "matrix:");
        let ids: Vec<String> = targets.iter().map(|t| scalar(&t.id)).collect();
        o.line(8, &format!("target: [{}]", ids.join(", ")));
        o.line(8, "include:");
        for t in &targets {
            o.line(10, &format!("- target: {}", scalar(&t.id)));
            extra(o, t);
            if let Some(link) = link_of(plan, t) {
                if let Some(why) = &t.no_system {
                    o.line(12, &format!("# Vendored: {why}."));
                } else if BuildJob::of(t) == BuildJob::Freebsd {
                    o.line(12, &format!("# Vendored: {FREEBSD_VENDORED}."));
                }
                o.line(12, &format!("link: {}", link.name()));
                o.line(
                    12,
                    &format!("dev-packages: {}", scalar(&t.dev_packages.join(" "))),
                );
            }
        }
        o.line(4, "steps:");
    }

    /// Downloads this run's verified pinned sources for the vendored builds.
    fn download_sources(&self, o: &mut Out) {
        if self.fetches_sources() {
            o.line(6, "- name: Download the pinned sources");
            o.line(8, "if: matrix.link == 'vendored'");
            o.line(8, &format!("uses: {DOWNLOAD}"));
            o.line(8, "with:");
            o.line(10, "name: pinned-sources");
            o.line(10, &format!("path: {SOURCES}"));
        }
    }

    fn build_job(&self, o: &mut Out, m: Manager) {
        let plan = self.plan;
        let epel = self
            .targets
            .iter()
            .any(|t| t.needs_epel && BuildJob::of(t) == BuildJob::Container(m));
        o.line(
            2,
            &format!(
                "# {}: builds and packages in each release's container image.",
                m.families()
            ),
        );
        let per_target = |o: &mut Out, t: &TargetPlan| {
            if let Runner::Container { image, .. } = t.runner {
                o.line(12, &format!("image: {}", scalar(image)));
            }
            if t.needs_epel {
                o.line(12, "epel: 'true'");
            }
        };
        self.build_job_head(o, BuildJob::Container(m), &container, &per_target);
        install_tools_step(o, plan, m, epel);
        checkout(o);
        install_rust_step(o);
        self.download_sources(o);
        if !plan.is_syspack {
            o.line(6, "- name: Install syspack");
            o.run(
                8,
                &[". \"$HOME/.cargo/env\"".into(), install_syspack_line()],
            );
        }
        o.line(6, "- name: Build and package");
        o.line(8, "env:");
        let links = !plan.links.is_empty();
        if links {
            o.line(10, "SYSPACK_LINK: ${{ matrix.link }}");
        }
        o.line(10, "TARGET: ${{ matrix.target }}");
        o.run(
            8,
            &package_script(plan, vec![". \"$HOME/.cargo/env\"".to_string()]),
        );
        Self::record_and_upload(o);
    }

    /// FreeBSD: cross-builds and packages on the Linux host (zig, Rust's FreeBSD standard
    /// library, the vendored C libraries), then records and uploads like the container jobs.
    /// The CI workflow's FreeBSD VM job is where such a package is installed and run.
    fn freebsd_build_job(&self, o: &mut Out) {
        o.line(
            2,
            "# FreeBSD: cross-built and packaged on Linux (zig through cargo-zigbuild, Rust's FreeBSD",
        );
        o.line(
            2,
            "# standard library, the C libraries vendored), as the CI workflow's freebsd-package job.",
        );
        self.build_job_head(o, BuildJob::Freebsd, &|_| {}, &|_, _| {});
        checkout(o);
        self.download_sources(o);
        freebsd_cross_steps(o, self.plan);
        Self::record_and_upload(o);
    }

    /// The end of every build job: the packages' sha256 manifest, then the packages and the
    /// manifest as two artifacts (the publish job checks one against the other).
    fn record_and_upload(o: &mut Out) {
        o.line(6, "- name: Record the packages' sha256");
        o.run(
            8,
            &[
                "mkdir -p manifest".into(),
                "(cd dist && sha256sum -- *) > manifest/SHA256SUMS".into(),
                "cat manifest/SHA256SUMS".into(),
                "{ echo '```'; cat manifest/SHA256SUMS; echo '```'; } >> \"$GITHUB_STEP_SUMMARY\""
                    .into(),
            ],
        );
        o.uses(
            "Upload the packages",
            UPLOAD,
            &[
                ("name", "packages-${{ matrix.target }}"),
                ("path", "dist/"),
                ("if-no-files-found", "error"),
            ],
        );
        o.uses(
            "Upload their sha256 manifest",
            UPLOAD,
            &[
                ("name", "sha256-${{ matrix.target }}"),
                ("path", "manifest/SHA256SUMS"),
                ("if-no-files-found", "error"),
            ],
        );
        o.line(0, "");
    }

    /// Checkout (syspack itself) and the steps that make `syspack` runnable on the host.
    fn install_syspack(&self, o: &mut Out) -> &'static str {
        let plan = self.plan;
        if plan.is_syspack {
            checkout(o);
            o.line(6, "- name: Build syspack");
            o.run(8, &trim_lines(build_syspack_on_host_lines(plan)));
            "target/release/syspack"
        } else {
            o.line(6, "- name: Install syspack");
            o.run(8, &[install_syspack_line()]);
            "syspack"
        }
    }

    /// `env:` of a step that reads or writes the storage.
    fn storage_env(&self, o: &mut Out) {
        o.line(8, "env:");
        match &self.plan.publish.storage {
            Some(s) => o.line(10, &format!("STORAGE: {}", scalar(s))),
            None => o.line(10, &format!("STORAGE: ${{{{ vars.{STORAGE_VARIABLE} }}}}")),
        }
        o.line(
            10,
            &format!("AWS_ACCESS_KEY_ID: ${{{{ secrets.{STORAGE_KEY_ID_SECRET} }}}}"),
        );
        o.line(
            10,
            &format!("AWS_SECRET_ACCESS_KEY: ${{{{ secrets.{STORAGE_SECRET_SECRET} }}}}"),
        );
        o.line(
            10,
            &format!("AWS_DEFAULT_REGION: ${{{{ vars.{REGION_VARIABLE} || 'us-east-1' }}}}"),
        );
        o.line(
            10,
            &format!("AWS_ENDPOINT_URL: ${{{{ vars.{ENDPOINT_VARIABLE} }}}}"),
        );
    }

    /// Pulls every target's repository from the storage (`syspack repo pull`; a target not
    /// published yet pulls nothing).
    fn fetch_repositories(&self, o: &mut Out, syspack: &str) {
        o.line(6, "- name: Fetch the repositories from storage");
        self.storage_env(o);
        o.run(
            8,
            &[
                "case \"$STORAGE\" in s3://?*) ;; *) echo \"::error::the storage location is not set or not s3://BUCKET[/PREFIX]\"; exit 1 ;; esac".into(),
                format!("for t in {}; do", self.target_words()),
                format!("  {syspack} repo pull \"${{STORAGE%/}}/$t\" \"{REPOSITORY}/$t\" --delete"),
                "done".into(),
            ],
        );
    }

    /// Pushes every target's repository to the storage (`syspack repo push`: package files
    /// first, then the signed metadata and the log, then the deletion of what no channel names).
    fn upload_repositories(&self, o: &mut Out, syspack: &str) {
        o.line(6, "- name: Upload the repositories to storage");
        self.storage_env(o);
        o.run(
            8,
            &[
                "# A client reading during the upload sees the old or the new repository.".into(),
                format!("for t in {}; do", self.target_words()),
                // A published repository always has its release log.
                format!("  if [ ! -d \"{REPOSITORY}/$t/log\" ]; then continue; fi"),
                format!("  {syspack} repo push \"{REPOSITORY}/$t\" \"${{STORAGE%/}}/$t\" --delete"),
                "done".into(),
            ],
        );
    }

    /// The `env:` that hands the signing key to syspack.
    fn signing_env(o: &mut Out) {
        o.line(8, "env:");
        o.line(
            10,
            "# syspack reads the key from the environment and keeps it in memory only.",
        );
        o.line(
            10,
            &format!("SYSPACK_SIGNING_KEY: ${{{{ secrets.{SIGNING_KEY_SECRET} }}}}"),
        );
        o.line(
            10,
            &format!("SYSPACK_SIGNING_KEY_PASSPHRASE: ${{{{ secrets.{PASSPHRASE_SECRET} }}}}"),
        );
    }

    fn secret_job_head(o: &mut Out, name: &str) {
        o.line(4, &format!("name: {name}"));
        o.line(4, &format!("runs-on: {HOST}"));
        o.line(4, &format!("environment: {ENVIRONMENT}"));
        o.line(4, "permissions:");
        o.line(6, "contents: read");
    }

    fn publish_job(&self, o: &mut Out, jobs: &[BuildJob]) {
        let first = &self.plan.publish.channels[0];
        o.line(
            2,
            "# Verifies every package against its build's manifest, signs it into the first",
        );
        o.line(
            2,
            "# channel of its target's repository and uploads the repositories.",
        );
        o.line(2, "publish:");
        let needs: Vec<&str> = jobs.iter().map(|j| j.id()).collect();
        o.line(4, &format!("needs: [{}]", needs.join(", ")));
        Self::secret_job_head(o, &format!("publish to {first}"));
        o.line(4, "steps:");
        let syspack = self.install_syspack(o);
        o.uses(
            "Download the packages",
            DOWNLOAD,
            &[("pattern", "packages-*"), ("path", "packages")],
        );
        o.uses(
            "Download the sha256 manifests",
            DOWNLOAD,
            &[("pattern", "sha256-*"), ("path", "manifests")],
        );
        o.line(
            6,
            "- name: Verify the packages against the manifests (none missing, extra or changed)",
        );
        o.run(
            8,
            &[
                format!("for t in {}; do", self.target_words()),
                "  sums=\"$PWD/manifests/sha256-$t/SHA256SUMS\"".into(),
                "  (cd \"packages/packages-$t\" && sha256sum --check --strict \"$sums\")".into(),
                "  listed=$(sed -E 's/^[0-9a-f]{64} [ *]//' \"$sums\" | sort)".into(),
                "  present=$(cd \"packages/packages-$t\" && find . -mindepth 1 -printf '%P\\n' | sort)".into(),
                "  if [ \"$listed\" != \"$present\" ]; then".into(),
                "    echo \"::error::packages of $t differ from their manifest: listed $listed, present $present\"".into(),
                "    exit 1".into(),
                "  fi".into(),
                "done".into(),
            ],
        );
        self.fetch_repositories(o, syspack);
        o.line(6, &format!("- name: Sign and add the packages to {first}"));
        Self::signing_env(o);
        o.run(
            8,
            &[
                "shopt -s nullglob".into(),
                format!("for t in {}; do", self.target_words()),
                "  files=(\"packages/packages-$t\"/*.deb \"packages/packages-$t\"/*.rpm \"packages/packages-$t\"/*.pkg.tar.* \"packages/packages-$t\"/*.pkg)".into(),
                "  if [ \"${#files[@]}\" -eq 0 ]; then echo \"::error::no package for $t\"; exit 1; fi".into(),
                format!(
                    "  {syspack} repo add \"{REPOSITORY}/$t\" \"${{files[@]}}\" --channel {}",
                    shell::quote(first)
                ),
                "done".into(),
            ],
        );
        self.upload_repositories(o, syspack);
        o.line(0, "");
    }

    /// `syspack-promote.yml`.
    pub fn render_promote(&self) -> String {
        let mut o = Out {
            text: String::new(),
        };
        self.header(
            &mut o,
            "Daily: promotes the packages that have soaked long enough to the next channel \
             (`syspack repo promote`), in every target's repository, and uploads them.",
        );
        o.line(0, "name: syspack promote");
        o.line(0, "");
        o.line(0, "on:");
        o.line(2, "schedule:");
        o.line(4, "- cron: '17 5 * * *'");
        o.line(2, "workflow_dispatch:");
        o.line(0, "");
        Self::common(&mut o);
        let channels = &self.plan.publish.channels;
        o.line(2, "promote:");
        Self::secret_job_head(
            &mut o,
            &format!(
                "promote {} (soak {})",
                channels.join(" → "),
                self.plan.publish.min_soak_text
            ),
        );
        o.line(4, "steps:");
        let syspack = self.install_syspack(&mut o);
        self.fetch_repositories(&mut o, syspack);
        o.line(6, "- name: Promote");
        Self::signing_env(&mut o);
        let mut lines = vec![
            format!("for t in {}; do", self.target_words()),
            format!("  if [ ! -d \"{REPOSITORY}/$t/log\" ]; then echo \"no repository for $t yet\"; continue; fi"),
            "  # The last pair first: a package moves at most one channel per run.".into(),
        ];
        for pair in channels.windows(2).rev() {
            lines.push(format!(
                "  {syspack} repo promote \"{REPOSITORY}/$t\" --from {} --to {} --min-soak {}",
                shell::quote(&pair[0]),
                shell::quote(&pair[1]),
                shell::quote(&self.plan.publish.min_soak_text)
            ));
        }
        lines.push("done".into());
        o.run(8, &lines);
        self.upload_repositories(&mut o, syspack);
        o.line(0, "");
        finish(o)
    }
}

fn finish(mut o: Out) -> String {
    while o.text.ends_with("\n\n") {
        o.text.pop();
    }
    o.text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Build;
    use crate::config::PublishSpec;
    use crate::target::Target;

    /// A plan for `hello` on debian-12 (system) and el-9 (no system build: vendored).
    fn plan() -> Plan {
        let target = |id: &str, no_system: Option<&str>| {
            let t = Target::resolve(id).unwrap();
            TargetPlan {
                id: id.into(),
                runner: Runner::for_release(t.release).unwrap(),
                dev_packages: vec!["zlib1g-dev".into()],
                no_system: no_system.map(str::to_string),
                needs_epel: false,
            }
        };
        Plan {
            name: "hello".into(),
            is_syspack: false,
            build: Build::Cargo {
                manifest: None,
                vendored_feature: true,
            },
            links: vec![Link::System, Link::Vendored],
            targets: vec![
                target("debian-12", None),
                target("el-9", Some("no development package of nosuch on el-9")),
                target("freebsd-14", None),
            ],
            targets_from: "--target",
            target_dir: Some("target".into()),
            libraries: vec!["zlib".into()],
            pin_dirs: vec!["pins".into()],
            smoke: vec![],
            skipped: vec![],
            regenerate: "syspack ci github --release".into(),
            publish: PublishSpec::default(),
        }
    }

    #[test]
    fn a_target_without_a_system_build_is_built_vendored_from_verified_sources() {
        let plan = plan();
        let text = Release::new(&plan).render_release();
        // The sources job reads only the checkout; the build jobs wait for it.
        assert!(
            text.contains(
                "  sources:\n    name: pinned sources\n    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n"
            ),
            "{text}"
        );
        assert!(text.contains("    needs: sources\n"), "{text}");
        assert!(text.contains("            # Vendored: no development package of nosuch on el-9.\n            link: vendored\n"), "{text}");
        assert!(text.contains("          - target: debian-12\n            image: 'debian:bookworm'\n            link: system\n"), "{text}");
        assert!(text.contains("if: matrix.link == 'vendored'"), "{text}");
        // No cache: the sources reach the vendored builds as an artifact of this run.
        assert!(!text.contains("actions/cache"), "{text}");
        assert!(
            text.contains("name: pinned-sources\n          path: .syspack/sources\n"),
            "{text}"
        );
        assert!(text.contains("syspack vendor --pins pins verify"), "{text}");
        // Not syspack itself: the publish job installs the syspack that wrote the workflow.
        assert!(text.contains(&install_syspack_line()), "{text}");
    }

    /// The vendored layout (no real target needs it today: the knowledge base knows every
    /// development package the runnable releases need) passes actionlint and zizmor too.
    #[test]
    fn the_vendored_layout_passes_actionlint_and_zizmor() {
        let plan = plan();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("syspack-release.yml");
        std::fs::write(&file, Release::new(&plan).render_release()).unwrap();
        let install = "ci/install-deps (actionlint and zizmor in $SYSPACK_CI_VENV, shellcheck \
                       from apt)";
        for (program, args) in [
            (
                "actionlint",
                &["-shellcheck", "shellcheck", "-no-color"][..],
            ),
            (
                "zizmor",
                &["--offline", "--no-progress", "--format", "plain"][..],
            ),
        ] {
            let out = std::process::Command::new(program)
                .args(args)
                .arg(&file)
                .output()
                .unwrap_or_else(|e| {
                    panic!("`{program}` cannot run ({e}); install it with {install}")
                });
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "{program}:\n{text}");
            if program == "zizmor" {
                assert!(text.contains("No findings to report"), "{text}");
            }
        }
    }

    /// FreeBSD targets are cross-built on the Linux host, vendored, and published like the
    /// others: no container, no VM, zig and the FreeBSD standard library installed, the pinned
    /// sources of this run downloaded, the packages recorded after `syspack package`.
    #[test]
    fn freebsd_targets_are_cross_built_on_linux_and_published() {
        let plan = plan();
        let text = Release::new(&plan).render_release();
        let job = &text[text.find("\n  freebsd:\n").expect("a freebsd job")..];
        let job = &job[..job.find("\n  publish:\n").expect("publish after it")];
        assert!(
            job.contains(
                "          - target: freebsd-14\n            # Vendored: cross-built on Linux, \
                 where FreeBSD's own libraries are not available.\n            link: vendored\n"
            ),
            "{job}"
        );
        assert!(job.contains("    needs: sources\n"), "{job}");
        assert!(!job.contains("container:"), "{job}");
        assert!(!job.contains("vmactions"), "{job}");
        let toolchain = job
            .find("rustup target add x86_64-unknown-freebsd")
            .expect("the FreeBSD standard library");
        let zigbuild = job
            .find("cargo install --locked cargo-zigbuild --version")
            .expect("cargo-zigbuild");
        let sources = job.find("name: pinned-sources").expect("the sources");
        let package = job
            .find("syspack package --target \"$TARGET\" --out dist \"${features[@]}\"")
            .expect("the package");
        let record = job.find("(cd dist && sha256sum -- *)").expect("recorded");
        assert!(
            sources < toolchain && toolchain < zigbuild && zigbuild < package && package < record,
            "{job}"
        );
        assert!(
            !job.contains("pkg add"),
            "a release job installs nothing: {job}"
        );
        assert!(text.contains("    needs: [apt, dnf, freebsd]\n"), "{text}");
        assert!(text.contains("\"packages/packages-$t\"/*.pkg)"), "{text}");
        assert!(
            text.contains("for t in debian-12 el-9 freebsd-14; do"),
            "{text}"
        );
    }
}
