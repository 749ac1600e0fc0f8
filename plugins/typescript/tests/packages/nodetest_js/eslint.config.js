export default [
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      "no-unused-vars": "warn",
      "prefer-const": "warn",
      "no-undef": "off",
    },
  },
];
