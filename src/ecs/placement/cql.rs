//! Cluster query language (stub until the real parser lands).
use super::facts::InstanceFacts;
#[derive(Debug, Clone)]
pub struct Expr(String);
#[derive(Debug, Clone)]
pub struct CqlError { pub column: usize, pub message: String }
pub fn parse(e: &str) -> Result<Expr, CqlError> { Ok(Expr(e.to_string())) }
impl Expr {
    pub fn eval(&self, _i: &dyn InstanceFacts) -> bool { true }
    pub fn is_dynamic(&self) -> bool { true }
}
impl std::fmt::Display for Expr { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.write_str(&self.0) } }
