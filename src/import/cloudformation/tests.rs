//! Unit tests of the template language, each like its CloudFormation documentation example.
